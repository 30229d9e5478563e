"""Stores with the invoice stream for the runner's tests: store files, invoice and day files, the sandbox, the CLI."""
from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from pipeline.cli.main import cli

TODAY = "2026-11-28"
TENANT = "3700001"
ORG = "556377-9155"
REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "sie-corpus" / "byrokrat__accounting"

CSV_SECTION = """  adapter: csv
  csv:
    columns: {invoice_number: Fakturanr, kind: Typ, credit_of: Krediterar, invoice_date: Fakturadatum,
              customer_id: Kundnr, customer_name: Kund, org_number: Orgnr, email: E-post, text: Text,
              article_group: Artikelgrupp, quantity: Antal, unit_price: Pris, total: Att betala,
              payment_date: Betaldatum, payment_amount: Betalt, payment_tender: Betalsätt}
    prices_include_vat: true
    credit_values: [Kredit]
  payment_terms: "30"
"""
SIE_SECTION = """  adapter: sie
  payment_terms: "30"
"""

# The till's CSV export: 7001 (company, by org number), 7002 (a person, 200 kr paid at the till by card),
# then 7003 crediting all of 7001 and 7004 invoicing the same customer again.
CSV_HEADER = "Fakturanr;Typ;Krediterar;Fakturadatum;Kundnr;Kund;Orgnr;E-post;Text;Artikelgrupp;Antal;Pris;Att betala;" \
             "Betaldatum;Betalt;Betalsätt\n"
CSV_FIRST = CSV_HEADER + (
    "7001;Faktura;;2026-11-24;301;Stadsskogens OK;817605-2461;kansli@ok.example.se;Karta;BOCKER;10;249,00;2 490,00;;;\n"
    "7002;Faktura;;2026-11-24;302;Anna Lind;;anna@example.se;Bok;BOCKER;1;399,00;548,00;2026-11-24;200,00;Kort\n"
    "7002;Faktura;;2026-11-24;302;Anna Lind;;anna@example.se;Glob;OVRIGT;1;149,00;548,00;2026-11-24;200,00;Kort\n")
CSV_SECOND = CSV_HEADER + (
    "7003;Kredit;7001;2026-11-26;301;Stadsskogens OK;817605-2461;kansli@ok.example.se;Karta, retur;BOCKER;10;249,00;"
    "2 490,00;;;\n"
    "7004;Faktura;;2026-11-26;301;Stadsskogens OK;817605-2461;kansli@ok.example.se;Karta;BOCKER;6;249,00;1 494,00;;;\n")


# a day: cash sales, and 7001's 2 490 kr on the "Faktura" tender (1512), as a ticked box writes it
INVOICED_DAY_ROWS = [(3003, "-4698.12"), (2630, "-281.88"), (1910, "2490.00"), (1512, "2490.00")]


def store_yaml(store: str = "bokhandeln", *, guard: str = "unticked", section: str = CSV_SECTION,
               org: str = ORG, tenant: str = TENANT, extra: str = "") -> str:
    clearing = guard == "clearing"
    return f"""version: 1
store: {store}
name: Bokhandeln AB
org_number: "{org}"
start_date: 2026-01-01
fortnox: {{tenant_id: "{tenant}", voucher_series: F}}
invoice_sync: true
pos:
  include_invoiced_in_account_report: {"true" if clearing else "false"}
  invoiced_sales_accounts: [1512]
accounts: {{1510: Kundfordringar, 1518: Ej reskontraförda kundfordringar, 1910: Kassa, 1930: Bank,
            2610: Moms 25, 2630: Moms 6, 3001: Fsg 25, 3003: Fsg 6, 3051: Fsg varor 25, 3740: Öresutjämning,
            1512: Fakturerat}}
account_map: {{{"1512: 1518" if clearing else ""}}}
article_groups:
  BOCKER: {{revenue: 3003, vat_account: 2630, vat_rate: 6}}
  OVRIGT: {{revenue: 3001, vat_account: 2610, vat_rate: 25}}
  VAROR: {{revenue: 3051, vat_account: 2610, vat_rate: 25}}
payment_methods: {{Kort: 1930, Kontant: 1910}}
rounding_account: 3740
voucher: {{per: day}}
invoices:
{section}  guard: {guard}
{"  clearing_account: 1518" + chr(10) if clearing else ""}{extra}"""


def day_file(day: str, rows: list[tuple[int, str]], org: str = ORG) -> bytes:
    body = "".join(f"#TRANS {account} {{}} {amount}\n" for account, amount in rows)
    return (f'#FLAGGA 0\n#SIETYP 4\n#ORGNR {org}\n#FNAMN "Bokhandeln AB"\n'
            f'#VER "A" "{day.replace("-", "")}" {day.replace("-", "")} "Dagsrapport"\n{{\n{body}}}\n').encode()


def settled(path: Path) -> Path:
    """As the till left it hours ago, so it has settled."""
    stamp = time.time() - 6 * 3600
    os.utime(path, (stamp, stamp))
    return path


class InvoiceFleet:
    """One store (more with `add_store`) and its sandbox tenant; `run` is the CLI in this process."""

    def __init__(self, root: Path, sandbox: Any, today: str = TODAY) -> None:
        self.root, self.sandbox, self.today = root, sandbox, today
        self.env = {**sandbox.env(), "KASSASYNC_SECRET_KEY": "invoice-test-key-0123456789abcdef",
                    "KASSASYNC_DATABASE_URL": ""}

    def put(self, store: str, name: str, content: str | bytes, folder: str = "invoices") -> Path:
        path = self.root / "inbox" / store / folder / name if folder else self.root / "inbox" / store / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return settled(path)

    def run(self, *args: str, codes: tuple[int, ...] = (0, 1)) -> Any:
        result = CliRunner().invoke(cli, ["--stores", str(self.root / "stores"), "--inbox", str(self.root / "inbox"),
                                          "--state-dir", str(self.root / "state"), *args, "--today", self.today],
                                    env=self.env)
        assert result.exit_code in codes, result.output + repr(result.exception)
        return result

    def sync(self, store: str = "bokhandeln", *more: str) -> dict[str, Any]:
        """`sync --json` of one store; its summary entry."""
        result = self.run("sync", "--store", store, "--json", *more)
        summary = json.loads(result.stdout)
        return next(s for s in summary["stores"] if s["store"] == store)  # type: ignore[no-any-return]

    def documents(self, kind: str, tenant: str = TENANT) -> list[dict[str, Any]]:
        return self.sandbox.documents(kind, tenant)  # type: ignore[no-any-return]

    def lose_ledger(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.root / 'state' / 'ledger.sqlite3'}{suffix}").unlink(missing_ok=True)

    def put_archived_back(self, store: str = "bokhandeln") -> int:
        moved = 0
        for path in sorted((self.root / "inbox" / "archive" / store / "invoices").rglob("*.*")):
            target = self.root / "inbox" / store / "invoices" / path.name
            shutil.move(path, target)
            settled(target)
            moved += 1
        return moved


@contextmanager
def invoice_fleet(root: Path, *stores: str, today: date = date(2026, 11, 28),
                  **sandbox_options: Any) -> Iterator[InvoiceFleet]:
    """The store files (`stores`: YAML texts) in root/stores, a sandbox seeded from them (`tenant`: seed keys for
    every tenant, e.g. invoice_rounding)."""
    from pipeline.config import load_stores
    from pipeline.sandbox.seed import seed_from_stores
    from pipeline.sandbox.testing import running_sandbox

    (root / "stores").mkdir(parents=True)
    for text in stores or (store_yaml(),):
        store_id = text.split("store: ", 1)[1].split("\n", 1)[0]
        (root / "stores" / f"{store_id}.yaml").write_text(text, encoding="utf-8")
    configs, diagnostics = load_stores(root / "stores")
    assert not [d.render() for d in diagnostics if d.is_error]
    seed = seed_from_stores(list(configs.values()), today=today)
    extra = sandbox_options.pop("tenant", {})
    for tenant in seed["tenants"]:
        tenant.update(extra)
    with running_sandbox(root / "sandbox", seed, today=today, **{"rate_limit": 0, **sandbox_options}) as sandbox:
        yield InvoiceFleet(root, sandbox, today.isoformat())
