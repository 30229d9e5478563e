"""The edges plan, apply and doctor read from: store files (config stage) and the ledger (runner stage).

Kept in one small module so a change in either stage's API touches one place here.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from pipeline.config.model import StoreConfig
from pipeline.errors import UserError
from pipeline.settings import Settings

log = logging.getLogger("kassasync.plan")


def select_stores(stores_dir: Path, store_ids: Sequence[str], all_stores: bool) -> list[StoreConfig]:
    """The store files chosen by `--store ID` (repeatable) or `--all`; invalid ones stop the command."""
    if not store_ids and not all_stores:
        raise UserError("say which stores to work on", "add --store ID (repeatable) or --all")
    from pipeline.config import load_stores  # the config stage's loader (schema + rules)

    configs, diagnostics = load_stores(stores_dir)
    wanted = sorted(configs) if all_stores else list(dict.fromkeys(store_ids))
    unknown = [s for s in wanted if s not in configs]
    bad = [d for d in diagnostics if d.is_error and (all_stores or any(s in d.location.path for s in wanted)
                                                     or not configs)]
    if bad:
        details = "\n".join(d.render() for d in bad[:20])
        raise UserError(f"{len(bad)} error(s) in the store files:\n{details}",
                        f"run `kassasync validate {stores_dir}` and fix them first")
    if unknown:
        raise UserError(f"no store file for {', '.join(unknown)} in {stores_dir}",
                        f"known stores: {', '.join(sorted(configs)) or 'none'}")
    if not wanted:
        raise UserError(f"no store files in {stores_dir}", "pass --stores DIR, or add stores/<id>.yaml")
    return [configs[s] for s in wanted]


def first_unposted_days(settings: Settings, configs: Sequence[StoreConfig]) -> dict[str, date]:
    """Per store, the first business day the ledger has not posted (from start_date when nothing is)."""
    found = {c.store: c.start_date for c in configs}
    url = settings.ledger_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return found  # no ledger yet: nothing posted
    try:
        from pipeline.ledger import Ledger

        ledger = Ledger.open(url)
    except Exception as exc:  # noqa: BLE001 - without the ledger, start_date is the safe assumption
        log.warning("cannot read the ledger (%s); assuming nothing is posted since each start_date", exc)
        return found
    try:
        posted = ledger.last_posted_days(found)
        for config in configs:
            if config.store in posted:
                found[config.store] = max(config.start_date, posted[config.store] + timedelta(days=1))
    finally:
        ledger.close()
    return found


def day_file_step(inbox_dir: Path, config: StoreConfig, today: date,  # type: ignore[no-untyped-def]
                  stores_dir: Path | None = None, settle: int | None = None):
    """Doctor's last step: the newest settled day file in the store's inbox belongs to the store (#ORGNR) and
    reads and maps without errors (the same reading and checks as `sie map` and `sync`). `settle`: the
    command line's --settle-seconds, if given."""
    import time

    from pipeline.plan.doctor import KS458_DAY_FILE, Step
    from pipeline.runner.dayfile import org_owners
    from pipeline.runner.inbox import Inbox, name_key, settle_seconds
    from pipeline.runner.preview import preview_file

    title = "the latest day file in the store's inbox belongs to the store and maps cleanly"
    scan = Inbox(inbox_dir, clock=time.time).scan(config.store, settle_seconds(settle, config.settle_seconds))
    candidates = sorted([*(s.path for s in scan.ready), *(e.path for e in scan.escaped)], key=lambda p: name_key(p.name))
    if not candidates:
        if scan.unsettled:
            young = scan.unsettled[-1]
            return Step(KS458_DAY_FILE, title, None, f"{young.path.name} is {young.reason}",
                        "Run doctor again once the till has finished writing the file.")
        return Step(KS458_DAY_FILE, title, None, f"no day file in {inbox_dir / config.store} yet",
                    "Export a day (Z-report) from the POS into that folder and run doctor again.")
    latest = candidates[-1]
    if any(e.path == latest for e in scan.escaped):
        return Step(KS458_DAY_FILE, title, False, f"{latest}: KS316 a symlink out of the store's inbox: sync never "
                    "follows it", "Copy the day file itself into the store's inbox folder.")
    report = preview_file(config, latest, today, owner=org_owners(None, stores_dir))
    if report["rejected"]:
        if report["code"] == "KS311":
            return Step(KS458_DAY_FILE, title, False, f"{latest}: {report['reason']}",
                        "Export the day again from the POS (Arkiv → Exportera SIE); the file above cannot be read.")
        finding = report["findings"][0]
        return Step(KS458_DAY_FILE, title, False, finding["rendered"].splitlines()[0], finding["hint"])
    errors = [f for v in report["vouchers"] for f in v["findings"] if f["severity"] == "error"]
    if errors:
        detail = "; ".join(f"{latest}:{f['line']}: {f['rule']} {f['message']}" for f in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        return Step(KS458_DAY_FILE, title, False, detail + more, errors[0]["hint"])
    warned = "; ".join(f"{f['rule']} {f['message']}" for f in report["findings"])
    return Step(KS458_DAY_FILE, title, True, f"{latest.name}: {len(report['vouchers'])} voucher(s)"
                + (f"; warning {warned}" if warned else ""))


def invoiced_rows(inbox_dir: Path, config: StoreConfig, settle: int | None = None):  # type: ignore[no-untyped-def]
    """For doctor's checkbox step (KS457): what the newest settled day file books on the store's invoiced-sales
    accounts; None when the store has none of them or no readable day file yet."""
    import time
    from decimal import Decimal

    from pipeline.plan.doctor import InvoicedRows
    from pipeline.runner.dayfile import read_day_file
    from pipeline.runner.inbox import Inbox, name_key, settle_seconds

    if not config.invoiced_sales_accounts:
        return None
    inbox = Inbox(inbox_dir, clock=time.time)
    ready = inbox.scan(config.store, settle_seconds(settle, config.settle_seconds)).ready
    if not ready:
        return None
    newest = max(ready, key=lambda seen: name_key(seen.path.name)).path
    try:
        day = read_day_file(inbox.read(newest), newest.name)
    except OSError:
        return None
    if day.vouchers is None:
        return None  # KS458 says why it cannot be read
    wanted = {str(a) for a in config.invoiced_sales_accounts}
    amounts: dict[int, Decimal] = {}
    for voucher in day.vouchers:
        for row in voucher.rows:
            if row.account in wanted and row.amount:
                amounts[int(row.account)] = amounts.get(int(row.account), Decimal(0)) + row.amount
    return InvoicedRows(newest.name, ", ".join(sorted(wanted)), {a: str(v) for a, v in amounts.items() if v})
