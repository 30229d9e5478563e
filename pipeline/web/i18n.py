"""The customer pages' words in Swedish (the default) and English; `?lang=en` switches."""
from __future__ import annotations

from collections.abc import Callable

LANGS = ("sv", "en")

SCOPES = {  # what each Fortnox permission lets kassasync do, in the customer's words
    "bookkeeping": ("Bokföring: läsa kontoplan, räkenskapsår och verifikationsserier, och bokföra dagskassan "
                    "som verifikationer", "Bookkeeping: read the chart of accounts, financial years and voucher "
                    "series, and post the daily takings as vouchers"),
    "companyinformation": ("Företagsinformation: läsa namn och organisationsnummer, så att rätt företag kopplas",
                           "Company information: read the name and organisation number, so the right company "
                           "is connected"),
    "costcenter": ("Kostnadsställen: läsa och lägga upp butikens kostnadsställe",
                   "Cost centres: read and create the store's cost centre"),
    "settings": ("Inställningar: läsa låsta perioder och förvalda konton",
                 "Settings: read locked periods and default accounts"),
    "customer": ("Kunder: hitta eller lägga upp kunden på en faktura från kassan",
                 "Customers: find or create the customer of an invoice from the till"),
    "invoice": ("Fakturor: skapa fakturor som sålts i kassan", "Invoices: create invoices sold in the till"),
}

# Per checklist rule: the title, where in Fortnox (the seed's menu paths), and what the customer does.
STEPS: dict[str, dict[str, tuple[str, str]]] = {
    "KS450": {"title": ("Integrationen är godkänd och företaget har licensen Integration",
                        "The integration is approved and the company has the Integration licence"),
              "menu": ("Marknadsplats → Integration", "Marknadsplats → Integration")},
    "KS451": {"title": ("Organisationsnumret stämmer med butiken", "The organisation number matches the store")},
    "KS452": {"title": ("Ett räkenskapsår täcker dagens datum", "A financial year covers today"),
              "menu": ("Inställningar → Räkenskapsår", "Inställningar → Räkenskapsår")},
    "KS453": {"title": ("Verifikationsserien finns och tillåter manuell kontering",
                        "The voucher series exists and allows manual bookkeeping"),
              "menu": ("Inställningar → Bokföring → Verifikationsserier → Manuell kontering",
                       "Inställningar → Bokföring → Verifikationsserier → Manuell kontering")},
    "KS454": {"title": ("Alla konton finns och är aktiva", "Every account exists and is active"),
              "menu": ("Register → Kontoplan", "Register → Kontoplan")},
    "KS455": {"title": ("Butikens kostnadsställe finns och är aktivt", "The store's cost centre exists and is active"),
              "menu": ("Register → Kostnadsställen", "Register → Kostnadsställen")},
    "KS456": {"title": ("Ingen låst period över dagar som ska bokföras",
                        "No locked period over days still to be posted"),
              "menu": ("Inställningar → Bokföring → Lås period", "Inställningar → Bokföring → Lås period")},
    "KS457": {"title": ("Fakturor bokförs bara en gång", "Invoices are booked only once")},
    "KS458": {"title": ("Kassan har skickat en dagsfil som går att läsa",
                        "The till has sent a day file that reads cleanly")},
}

TEXT: dict[str, tuple[str, str]] = {
    "lang_switch": ("In English", "På svenska"),
    "title_invite": ("Koppla butikens Fortnox till kassan", "Connect the store's Fortnox to the till"),
    "store": ("Butik", "Store"),
    "org_number": ("Organisationsnummer", "Organisation number"),
    "what_title": ("Vad integrationen gör", "What the integration does"),
    "what_body": ("Varje dag läser kassasync kassans dagsfil (Z-rapport) och bokför dagskassan som en verifikation "
                  "i er Fortnox, exakt en gång. Den ändrar inga befintliga verifikationer.",
                  "Each day kassasync reads the till's day file (Z-report) and posts the daily takings as a voucher "
                  "in your Fortnox, exactly once. It changes no existing voucher."),
    "scopes_title": ("Behörigheter som Fortnox ber er godkänna", "Permissions Fortnox asks you to approve"),
    "account_title": ("Hur vill ni logga in?", "How do you want to sign in?"),
    "normal": ("Vanligt konto (er egen Fortnox-användare)", "Normal account (your own Fortnox user)"),
    "normal_help": ("Integrationen följer användaren som godkänner: slutar personen fungerar den inte längre.",
                    "The integration follows the user who approves: if that person leaves, it stops working."),
    "service": ("Servicekonto (byrå eller flera butiker)", "Service account (accounting firm or several stores)"),
    "service_help": ("Rekommenderas. Bara en systemadministratör kan godkänna; kopplingen hör till företaget, "
                     "inte till en person.", "Recommended. Only a system administrator can approve; the connection "
                     "belongs to the company, not to a person."),
    "start": ("Fortsätt till Fortnox", "Continue to Fortnox"),
    "valid_until": ("Länken gäller till", "The link is valid until"),
    "refused_title": ("Länken kan inte användas", "The link cannot be used"),
    "expired": ("Länken har gått ut. Be er återförsäljare om en ny.", "The link has expired. Ask your reseller "
                "for a new one."),
    "tampered": ("Länken är inte giltig (den har ändrats eller klippts av). Öppna hela länken från meddelandet, "
                 "eller be er återförsäljare om en ny.", "The link is not valid (it was changed or cut short). Open "
                 "the whole link from the message, or ask your reseller for a new one."),
    "revoked": ("Länken har dragits tillbaka. Be er återförsäljare om en ny.", "The link was withdrawn. Ask your "
                "reseller for a new one."),
    "wrong_company_title": ("Fel företag i Fortnox", "Wrong company in Fortnox"),
    "wrong_company": ("Ni godkände integrationen för {company} ({found}), men butiken {store} har organisationsnummer "
                      "{expected}. Ingenting har sparats. Logga in i Fortnox som det rätta företaget och öppna länken "
                      "igen. Ta gärna bort integrationen under Hantera integrationer i {company}.",
                      "You approved the integration for {company} ({found}), but the store {store} has organisation "
                      "number {expected}. Nothing was saved. Sign in to Fortnox as the right company and open the "
                      "link again. You may remove the integration under Manage integrations in {company}."),
    "failed_title": ("Anslutningen kunde inte upprättas", "The connection could not be established"),
    "failed_body": ("Fortnox gav ingen giltig anslutning (inget förnyelsebart token). Det beror nästan alltid på "
                    "något av detta:", "Fortnox gave no working connection (no refresh token). It is nearly always "
                    "one of these:"),
    "failed_licence": ("Företaget saknar tilläggsmodulen Integration. Be Fortnox: \"Vi vill beställa licensen "
                       "Integration\" (Tilläggsbeställning, eller Marknadsplats → Integration).",
                       "The company lacks the Integration add-on. Ask Fortnox: \"We want to order the Integration "
                       "licence\" (Tilläggsbeställning, or Marknadsplats → Integration)."),
    "failed_rights": ("Användaren får inte godkänna integrationer. Be Fortnox eller er systemadministratör: "
                      "\"Ge användaren rätt att godkänna integrationer\", eller låt en systemadministratör öppna "
                      "länken (krävs för servicekonto).", "The user may not approve integrations. Ask Fortnox or "
                      "your system administrator: \"Give the user the right to approve integrations\", or let a "
                      "system administrator open the link (required for a service account)."),
    "failed_cancel": ("Om ni själva tryckte på Avbryt i Fortnox: börja om med länken.",
                      "If you pressed Cancel in Fortnox yourselves: start again with the link."),
    "failed_detail": ("Svar från Fortnox", "Fortnox's answer"),
    "try_again": ("Försök igen", "Try again"),
    "checklist_title": ("Kontrollista för {store}", "Checklist for {store}"),
    "connected": ("Kopplad till {company} ({org}).", "Connected to {company} ({org})."),
    "all_done": ("Allt i Fortnox är klart.", "Everything in Fortnox is done."),
    "reseller_rest": ("Inget mer för er att göra: er återförsäljare fixar resten.",
                      "Nothing more for you to do: your reseller will fix the rest."),
    "to_do": ("{n} sak(er) att göra.", "{n} thing(s) to do."),
    "done": ("Klart", "Done"),
    "todo": ("Att göra", "To do"),
    "waiting": ("Väntar", "Waiting"),
    "reseller_fixes": ("Er återförsäljare fixar detta.", "Your reseller will fix this."),
    "where": ("I Fortnox", "In Fortnox"),
    "details": ("Detaljer", "Details"),
    "check_again": ("Kontrollera igen", "Check again"),
    "checked_at": ("Kontrollerat", "Checked"),
    "till_title": ("Dagsfiler från kassan", "Day files from the till"),
    "till_body": ("Ladda ner paketet till kassadatorn: ett PowerShell-skript som varje kväll efter dagsavslutet "
                  "skickar nya SIE-filer, och en nyckelfil bredvid det. En ny nedladdning gör den gamla nyckeln "
                  "ogiltig.", "Download the kit to the till's PC: a PowerShell script that sends new SIE files "
                  "each evening after the day's close, and a key file beside it. A new download makes the old key "
                  "invalid."),
    "download": ("Ladda ner kassapaketet (Windows)", "Download the till kit (Windows)"),
    "download_sh": ("Ladda ner för Linux/macOS", "Download for Linux/macOS"),
    "not_connected": ("Butiken är inte kopplad ännu: börja med länken.",
                      "The store is not connected yet: start with the link."),
    "store_unavailable": ("Butikens inställningar kan inte läsas just nu. Kontakta er återförsäljare.",
                          "The store's settings cannot be read right now. Contact your reseller."),
    "csrf": ("Formuläret hade gått ut. Ladda om sidan och försök igen.",
             "The form had expired. Reload the page and try again."),
}


def translator(lang: str) -> Callable[..., str]:
    """`t("key", name=value)`: the text in the page's language, with {name} filled in."""
    index = LANGS.index(lang) if lang in LANGS else 0

    def t(key: str, **values: object) -> str:
        text = TEXT[key][index]
        return text.format(**values) if values else text

    return t


def step_text(rule: str, part: str, lang: str) -> str | None:
    pair = STEPS.get(rule, {}).get(part)
    return pair[LANGS.index(lang) if lang in LANGS else 0] if pair else None


def scope_text(scope: str, lang: str) -> str:
    pair = SCOPES.get(scope)
    return pair[LANGS.index(lang) if lang in LANGS else 0] if pair else scope
