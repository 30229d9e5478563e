"""Test doubles for the runner: an in-memory Fortnox with faults, SIE day-file text, and a tiny reader fallback."""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from pipeline.fortnox import errors as fe
from pipeline.fortnox.models import FinancialYear, Voucher, VoucherDraft, VoucherRow
from pipeline.sie.model import SieTransaction, SieVoucher

TODAY = date(2026, 11, 28)
SETTLED = 3600.0  # seconds: a file the till finished writing an hour ago has settled (inbox.settle_seconds)


def age_file(path: Path, seconds: float) -> None:
    """Sets the file's modification time `seconds` into the past (settle tests never sleep)."""
    stamp = time.time() - seconds
    os.utime(path, (stamp, stamp), follow_symlinks=False)


@dataclass
class FakeFortnox:
    """One tenant: financial years, the vouchers posted, and faults by call number or account."""

    years: list[FinancialYear] = field(default_factory=lambda: [FinancialYear(1, date(2026, 1, 1),
                                                                               date(2026, 12, 31))])
    posted: list[Voucher] = field(default_factory=list)
    requests: int = 0
    drop_after_commit: set[int] = field(default_factory=set)  # POST numbers (1-based) whose answer is lost
    inactive_accounts: set[int] = field(default_factory=set)
    series_manual: bool = True
    posts: int = 0
    tenant_id: str | None = "1"
    authentications: int = 0  # warm-ups: the runner gets the token while it reads the day files
    year_lookup_error: Exception | None = None
    list_without_comments: bool = False  # list items leave Comments out (Fortnox's older documentation)
    lists: int = 0  # voucher list requests
    reads: list[tuple[str, int]] = field(default_factory=list)  # (series, number) of each voucher read (GET)

    async def authenticate(self, *, offline: bool = False) -> bool:
        if offline:
            return self.authentications > 0  # the token fetched before is at hand
        self.authentications += 1
        return True

    async def financial_year_for(self, day: date) -> FinancialYear | None:
        self.requests += 1
        if self.year_lookup_error is not None:
            raise self.year_lookup_error
        return next((y for y in self.years if y.covers(day)), None)

    async def financial_years(self, on: date | None = None) -> list[FinancialYear]:
        self.requests += 1
        if self.year_lookup_error is not None:
            raise self.year_lookup_error
        return [y for y in self.years if on is None or y.covers(on)]

    async def create_voucher(self, year_id: int, voucher: VoucherDraft) -> Voucher:
        self.requests += 1
        self.posts += 1
        if not self.series_manual:
            raise fe.SeriesNotManual("series F is not manual", "tick Manuell kontering", code=8000002)
        for row in voucher.rows:
            if row.account in self.inactive_accounts:
                raise fe.AccountInactive(f"account {row.account} is not active", "activate it", code=2000550)
        stored = Voucher(voucher.voucher_series, len(self.posted) + 1, year_id, voucher.transaction_date,
                         voucher.description, voucher.comments, voucher.cost_center,
                         tuple(VoucherRow(r.account, r.debit, r.credit, cost_center=r.cost_center)
                               for r in voucher.rows))
        self.posted.append(stored)
        if self.posts in self.drop_after_commit:
            raise fe.UncertainOutcome("the connection dropped", "looked up before posting again")
        return stored

    async def vouchers(self, year_id: int, *, series: str | None = None, from_date: date | None = None,
                       to_date: date | None = None) -> list[Voucher]:
        self.requests += 1
        self.lists += 1
        listed = [v for v in self.posted if v.year == year_id and (series is None or v.voucher_series == series)
                  and (from_date is None or v.transaction_date >= from_date)
                  and (to_date is None or v.transaction_date <= to_date)]
        return [dataclasses.replace(v, comments=None, rows=()) if self.list_without_comments else
                dataclasses.replace(v, rows=()) for v in listed]

    async def voucher(self, year_id: int, series: str, number: int) -> Voucher:
        self.requests += 1
        self.reads.append((series, number))
        return next(v for v in self.posted if (v.year, v.voucher_series, v.voucher_number) == (year_id, series, number))

    def opener(self):  # noqa: ANN201 - the ClientOpener shape
        @contextlib.asynccontextmanager
        async def open_client(_config: object) -> AsyncIterator[FakeFortnox]:
            yield self
        return open_client


def day_file(vouchers: list[tuple[str, date, list[tuple[str, str]]]], *, orgnr: str | None = None,
             company: str = "Test AB") -> bytes:
    """A 4I day file in the ES Kassasystem shape: empty series, quoted number, dated #TRANS rows; `orgnr`
    adds the #ORGNR line (the company the till belongs to)."""
    lines = ["#FLAGGA 0", "#FORMAT PC8", "#SIETYP 4", '#PROGRAM "ES Kassasystem" 7', "#GEN 20261128",
             f'#FNAMN "{company}"', *([f"#ORGNR {orgnr}"] if orgnr else []), ""]
    for number, day, rows in vouchers:
        stamp = day.strftime("%Y%m%d")
        lines += [f'#VER "" "{number}" {stamp} " nr. {number}" {stamp}', "{"]
        lines += [f'\t#TRANS {account} {{}} {amount} {stamp} "x"' for account, amount in rows]
        lines += ["}"]
    return ("\r\n".join(lines) + "\r\n").encode("cp437")


def tiny_read(content: bytes, name: str) -> tuple[list[SieVoucher] | None, str]:
    """Stand-in for pipeline.sie.read_sie while the reader is not there (only #VER and #TRANS)."""
    text = content.decode("cp437")
    if "#VER" not in text and "#FLAGGA" not in text:
        return None, f"{name}: not a SIE file"
    vouchers: list[SieVoucher] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if m := re.match(r'#VER "([^"]*)" "?(\w+)"? (\d{8}) "([^"]*)"', line.strip()):
            day = date(int(m[3][:4]), int(m[3][4:6]), int(m[3][6:]))
            vouchers.append(SieVoucher(series=m[1], number=m[2], date=day, text=m[4], line=lineno))
        elif m := re.match(r"#TRANS (\S+) \{[^}]*\} (\S+)", line.strip()):
            vouchers[-1].rows.append(SieTransaction(account=m[1], amount=Decimal(m[2]), line=lineno))
    return vouchers, ""


def store_config(store: str = "deli", **changes: object):  # noqa: ANN201
    """A small store: food 12 % -> 6 % on 2026-04-01, beer 25 %, POS VAT accounts mapped to Fortnox's."""
    import dataclasses

    from pipeline.config.model import ArticleGroupRow, StoreConfig

    food = (ArticleGroupRow(3210, 2620, Decimal(12), valid_until=date(2026, 3, 31)),
            ArticleGroupRow(3210, 2630, Decimal(6), valid_from=date(2026, 4, 1)))
    config = StoreConfig(
        store=store, name=f"{store.title()} AB", org_number="556000-0000", start_date=date(2026, 2, 1),
        voucher_series="F", tenant_id="1",
        accounts={a: str(a) for a in (1910, 1932, 2611, 2621, 2631, 3210, 3340, 3740)},
        account_map={2610: 2611, 2620: 2621, 2630: 2631},
        article_groups={"MAT": food, "OL": (ArticleGroupRow(3340, 2610, Decimal(25)),)},
        voucher_description="Dagskassa {{ date }} {{ store.name }} Z {{ z_report }}")
    return dataclasses.replace(config, **changes)


def may_rows(scale: int = 1) -> list[tuple[str, str]]:
    """A balanced day after the food VAT change: food 1000 at 6 %, beer 280 at 25 %, paid by card."""
    food, beer = Decimal(1000) * scale, Decimal(280) * scale
    return [("1932", str(food * Decimal("1.06") + beer * Decimal("1.25"))), ("2630", str(-food * Decimal("0.06"))),
            ("3210", str(-food)), ("2610", str(-beer * Decimal("0.25"))), ("3340", str(-beer))]


class World:
    """One store (`store_config()`), its inbox and ledger in a temporary directory, and an in-memory Fortnox."""

    def __init__(self, tmp_path: Path, **config: Any) -> None:
        from pipeline.ledger import Ledger
        from pipeline.runner.inbox import Inbox

        self.tmp = tmp_path
        tmp_path.mkdir(parents=True, exist_ok=True)
        self.inbox = Inbox(tmp_path / "inbox")
        self.state = tmp_path / "state"
        self.ledger = Ledger.open(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
        self.fortnox = FakeFortnox()
        self.config = store_config(**config)

    def drop(self, name: str, content: bytes, *, age: float = SETTLED) -> Path:
        """The day file as the till leaves it: written `age` seconds ago (default: long settled)."""
        folder = self.inbox.store_dir(self.config.store)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
        age_file(folder / name, age)
        return folder / name

    def cover_from(self, first: date) -> None:
        """A reconciled-through mark from `first` on, as after an earlier look-up found nothing."""
        self.ledger.record_found(self.config.store, [], (first, TODAY), now=datetime(2026, 11, 28))

    def sync(self, **options: object):  # noqa: ANN201
        from pipeline.runner.store_sync import SyncOptions, sync_store

        opts = SyncOptions(**{"today": TODAY, **options})  # type: ignore[arg-type]
        return asyncio.run(sync_store(self.config, ledger=self.ledger, inbox=self.inbox,
                                      open_client=self.fortnox.opener(), options=opts, run_id=None,
                                      state_dir=self.state))
