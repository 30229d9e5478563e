"""A small BAS 2026 chart: the accounts a POS store touches, plus inactive ones as a fresh Fortnox chart has."""
from __future__ import annotations

# (number, description, active in a fresh demo company, SRU code or None)
BAS_CHART: tuple[tuple[int, str, bool, int | None], ...] = (
    (1220, "Inventarier och verktyg", False, 7215),
    (1460, "Lager av handelsvaror", False, 7241),
    (1510, "Kundfordringar", True, 7251),
    (1512, "Belånade kundfordringar (factoring)", True, 7251),
    (1580, "Fordringar för kontokort och kuponger", True, 7251),
    (1610, "Kortfristiga fordringar hos anställda", False, 7261),
    (1630, "Avräkning för skatter och avgifter (skattekonto)", True, 7261),
    (1680, "Andra kortfristiga fordringar", False, 7261),
    (1910, "Kassa", True, 7281),
    (1920, "PlusGiro", True, 7281),
    (1925, "Swish", True, 7281),
    (1930, "Företagskonto/checkkonto/affärskonto", True, 7281),
    (1940, "Övriga bankkonton", False, 7281),
    (1950, "Bankcertifikat", False, 7281),
    (2010, "Eget kapital", False, 7301),
    (2081, "Aktiekapital", True, 7301),
    (2091, "Balanserad vinst eller förlust", True, 7302),
    (2099, "Årets resultat", True, 7302),
    (2440, "Leverantörsskulder", True, 7368),
    (2610, "Utgående moms, 25 %", True, 7369),
    (2611, "Utgående moms på försäljning inom Sverige, 25 %", True, 7369),
    (2612, "Utgående moms på egna uttag, 25 %", False, 7369),
    (2620, "Utgående moms, 12 %", True, 7369),
    (2621, "Utgående moms på försäljning inom Sverige, 12 %", True, 7369),
    (2622, "Utgående moms på egna uttag, 12 %", False, 7369),
    (2630, "Utgående moms, 6 %", True, 7369),
    (2631, "Utgående moms på försäljning inom Sverige, 6 %", True, 7369),
    (2632, "Utgående moms på egna uttag, 6 %", False, 7369),
    (2640, "Ingående moms", True, 7369),
    (2650, "Redovisningskonto för moms", True, 7369),
    (2710, "Personalskatt", False, 7369),
    (2890, "Övriga kortfristiga skulder", False, 7369),
    (3001, "Försäljning inom Sverige, 25 % moms", True, 7410),
    (3002, "Försäljning inom Sverige, 12 % moms", True, 7410),
    (3003, "Försäljning inom Sverige, 6 % moms", True, 7410),
    (3004, "Försäljning inom Sverige, momsfri", True, 7410),
    (3010, "Försäljning av varor", True, 7410),
    (3011, "Försäljning av varor, 25 % moms", False, 7410),
    (3040, "Försäljning av tjänster", True, 7410),
    (3041, "Försäljning tjänster inom Sverige, 25 % moms", False, 7410),
    (3050, "Försäljning av varor till land utanför EU", False, 7410),
    (3210, "Försäljning av livsmedel", True, 7410),
    (3305, "Försäljning tjänster till land utanför EU", False, 7410),
    (3340, "Försäljning av drycker", True, 7410),
    (3510, "Fakturerat emballage", False, 7410),
    (3590, "Övriga fakturerade kostnader", False, 7410),
    (3740, "Öres- och kronutjämning", True, 7410),
    (3960, "Valutakursvinster på fordringar och skulder av rörelsekaraktär", False, 7413),
    (3990, "Övriga ersättningar och intäkter", False, 7413),
    (4010, "Inköp av varor och material", True, 7511),
    (5010, "Lokalhyra", True, 7513),
    (6071, "Representation, avdragsgill", False, 7513),
    (6570, "Bankkostnader", True, 7513),
    (7010, "Löner till kollektivanställda", False, 7514),
    (8310, "Ränteintäkter från omsättningstillgångar", False, 7417),
    (8999, "Årets resultat", True, 7450),
)

BAS_NUMBERS = frozenset(number for number, _, _, _ in BAS_CHART)


def bas_cost_center_setting(number: int) -> str:
    """[U] A realistic default for an account's CostCenterSettings: VAT accounts (26xx) take no cost center,
    which is how bookkeepers usually set them; every other account allows one (Fortnox's default)."""
    return "NOTALLOWED" if 2600 <= number <= 2699 else "ALLOWED"


def bas_description(number: int) -> str | None:
    for num, description, _, _ in BAS_CHART:
        if num == number:
            return description
    return None
