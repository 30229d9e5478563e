"""Writes a fleet of stores and their day files into a temporary directory (fault tests and bench/sync.py).

Every store is a small café: food at 6 % (after 2026-04-01), drinks at 25 %, card, Swish and cash. Returns
what Fortnox must end up holding per tenant: description -> the voucher's rows.
"""
from __future__ import annotations

import os
import random
import time
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ORE = Decimal("0.01")
STORE_YAML = """version: 1
store: {store}
name: Café {number} AB
org_number: "{org}"
start_date: 2026-01-01
fortnox:
  tenant_id: "{tenant}"
  voucher_series: F
accounts:
  1910: Kassa
  1925: Swish
  1932: Kort
  2611: Utgående moms 25 %
  2631: Utgående moms 6 %
  3010: Försäljning mat
  3020: Försäljning dryck
  3740: Öres- och kronutjämning
account_map:
  2610: 2611
  2630: 2631
article_groups:
  MAT: {{revenue: 3010, vat_account: 2630, vat_rate: 6}}
  DRYCK: {{revenue: 3020, vat_account: 2610, vat_rate: 25}}
payment_methods:
  Kort: 1932
  Swish: 1925
  Kontant: 1910
rounding_account: 3740
voucher:
  per: z-report
  description: "Dagskassa {{{{ date }}}} {{{{ store.name }}}} Z {{{{ z_report }}}}"
"""
Expected = dict[str, dict[str, list[tuple[int, str, str]]]]  # tenant -> description -> rows


def org_number(seed: int) -> str:
    body = f"556{seed:06d}"
    total = 0
    for i, ch in enumerate(body):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n // 10 + n % 10
    return f"{body[:6]}-{body[6:]}{(10 - total % 10) % 10}"


def _rows(rng: random.Random) -> list[tuple[int, Decimal]]:
    food = Decimal(rng.randint(50000, 900000)) / 100
    drink = Decimal(rng.randint(10000, 300000)) / 100
    food_net = (food / Decimal("1.06")).quantize(ORE, ROUND_HALF_UP)
    drink_net = (drink / Decimal("1.25")).quantize(ORE, ROUND_HALF_UP)
    total = food + drink
    card = (total * Decimal("0.7")).quantize(ORE)
    swish = (total * Decimal("0.2")).quantize(ORE)
    cash = total - card - swish
    cash_whole = cash.quantize(Decimal(1), ROUND_HALF_UP)
    rows = [(1932, card), (1925, swish), (1910, cash_whole), (2630, -(food - food_net)), (3010, -food_net),
            (2610, -(drink - drink_net)), (3020, -drink_net)]
    if cash != cash_whole:
        rows.append((3740, cash - cash_whole))
    assert sum(a for _, a in rows) == 0
    return rows


def _day_file(name: str, org: str, vouchers: list[tuple[str, date, list[tuple[int, Decimal]]]]) -> bytes:
    lines = ["#FLAGGA 0", "#FORMAT PC8", "#SIETYP 4", '#PROGRAM "ES Kassasystem" 7', "#GEN 20261127",
             f'#FNAMN "{name}"', f"#ORGNR {org.replace('-', '')}", ""]
    for number, day, rows in vouchers:
        stamp = day.strftime("%Y%m%d")
        lines += [f'#VER "" "{number}" {stamp} " nr. {number}" {stamp}', "{"]
        lines += [f"\t#TRANS {account} {{}} {amount:.2f} {stamp}" for account, amount in rows]
        lines.append("}")
    return ("\r\n".join(lines) + "\r\n").encode("cp437")


def write_fleet(root: Path, stores: int, vouchers_per_store: int, *, per_file: int = 2,
                first_day: date = date(2026, 10, 1), tenant_base: int = 3000000, seed: int = 7) -> Expected:
    """stores/<id>.yaml and inbox/<id>/*.se under root; returns the vouchers Fortnox must hold. The day files
    carry their store's #ORGNR and were written an hour ago (settled: the runner reads them at once)."""
    rng = random.Random(seed)
    account_map = {2610: 2611, 2630: 2631}
    expected: Expected = {}
    (root / "stores").mkdir(parents=True, exist_ok=True)
    for index in range(stores):
        store, tenant = f"cafe-{index:03d}", str(tenant_base + index)
        (root / "stores" / f"{store}.yaml").write_text(STORE_YAML.format(
            store=store, number=index, org=org_number(index + 1), tenant=tenant), encoding="utf-8")
        inbox = root / "inbox" / store
        inbox.mkdir(parents=True, exist_ok=True)
        want = expected.setdefault(tenant, {})
        batch: list[tuple[str, date, list[tuple[int, Decimal]]]] = []
        for n in range(vouchers_per_store):
            day = first_day + timedelta(days=n)
            number = str(100 + n)
            rows = _rows(rng)
            batch.append((number, day, rows))
            want[f"Dagskassa {day} Café {index} AB Z {number}"] = sorted(
                (account_map.get(a, a), f"{max(x, Decimal(0)):.2f}", f"{max(-x, Decimal(0)):.2f}") for a, x in rows)
            if len(batch) == per_file or n == vouchers_per_store - 1:
                path = inbox / f"Z{batch[0][0]}.se"
                path.write_bytes(_day_file(f"Café {index} AB", org_number(index + 1), batch))
                settled = time.time() - 3600
                os.utime(path, (settled, settled))
                batch = []
    return expected
