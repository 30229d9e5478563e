"""Syncing one store: ingest its inbox, re-map what waits, then post each voucher exactly once, in date order.

Exactly once: a voucher is committed as `pending` before its POST and carries its marker in Comments. A
`pending` voucher (an uncertain outcome now, or a crash earlier) is looked for in Fortnox (one listing of
its series and date range) before it is posted again. Fortnox's numbers for the vouchers posted are recorded
(`posted`) in the store's last trip to the ledger, so until then a crash leaves them `pending`: looked up.
Permanent Fortnox errors mark the voucher `failed` until `--retry-failed`; transient ones leave it `pending`
or `planned` for the next run.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from pipeline.config.model import StoreConfig
from pipeline.errors import UserError
from pipeline.fortnox import errors as fe
from pipeline.fortnox.models import FinancialYear, Voucher
from pipeline.fortnox.protocol import FortnoxApi
from pipeline.ledger import Ledger, Unposted, VoucherRecord, now, problem_line
from pipeline.mapping.findings import REPLACED
from pipeline.runner import items, markers
from pipeline.runner.corrections import is_correction
from pipeline.runner.dayfile import OrgOwner
from pipeline.runner.decisions import release_automatically
from pipeline.runner.inbox import Inbox, Scan, settle_seconds
from pipeline.runner.ingest import IngestResult, Waiting, ingest
from pipeline.runner.invoice_result import InvoiceResult
from pipeline.runner.locks import store_lock
from pipeline.runner.look_before import LookBefore
from pipeline.runner.reconcile_records import POST, record_vouchers
from pipeline.runner.records import apply_mapping, remapped_by
from pipeline.runner.worker import LedgerWorker

log = logging.getLogger("kassasync.runner")
ClientOpener = Callable[[StoreConfig], contextlib.AbstractAsyncContextManager[FortnoxApi]]
# (store, event, result): "posted" | "failed" | "done" (with the store's result, for its one-line summary)
Progress = Callable[[str, str, "StoreResult | None"], None]
# Errors that fail every voucher of the store alike: stop at the first instead of repeating it per day.
STORE_WIDE = (fe.AuthError, fe.LicenceMissing, fe.ScopeMissing, fe.SeriesNotFound, fe.SeriesNotManual)


@dataclass(frozen=True)
class SyncOptions:
    today: date
    from_date: date | None = None
    to_date: date | None = None
    dry_run: bool = False
    retry_failed: bool = False
    reconcile_rounds: int = 3  # post / look up rounds within one run after uncertain outcomes
    settle_seconds: int | None = None  # `--settle-seconds` (wins over the store file's inbox.settle_seconds)
    org_owner: OrgOwner | None = None  # the store an org number belongs to (names it in KS314's note)

    def settle_for(self, config: StoreConfig) -> int:
        """How long the store's day files must be unchanged before they are read."""
        return settle_seconds(self.settle_seconds, config.settle_seconds)


@dataclass
class StoreResult:
    store: str
    state: str = "ok"  # ok | failed | attention | error | locked | dry-run
    posted: int = 0  # posted by this run (found by marker included)
    found: int = 0  # of those, found in Fortnox by marker after an uncertain outcome
    failed: int = 0  # vouchers in the date range that are failed after this run
    held: int = 0  # re-exports after posting in the date range, waiting for a decision (`kassasync correct`)
    pending: int = 0  # outcome unknown, checked on the next run
    planned: int = 0  # not posted yet (dry run: would be posted)
    skipped: int = 0  # vouchers this run skipped (before start_date, nothing to post, another file's)
    files_read: int = 0
    files_quarantined: int = 0
    files_archived: int = 0
    files_waiting: int = 0  # day files left for a later run: not settled yet
    message: str | None = None  # a store-level problem (lock, credentials, Fortnox unreachable)
    hint: str | None = None
    failures: list[dict[str, Any]] = field(default_factory=list)  # failed vouchers and quarantined files
    attention: list[dict[str, Any]] = field(default_factory=list)  # held re-exports, each with its fix
    notes: list[dict[str, Any]] = field(default_factory=list)  # warnings about this run's files (KS315, KS306)
    waiting: list[dict[str, Any]] = field(default_factory=list)  # {"file", "reason"} per day file left waiting
    would_post: list[dict[str, Any]] = field(default_factory=list)
    invoices: InvoiceResult | None = None  # the invoice stream's run, for stores with invoice_sync (invoice_sync.py)

    @property
    def ok(self) -> bool:
        return (self.state in ("ok", "dry-run", "locked") and not self.failed and not self.files_quarantined
                and not self.held and (self.invoices is None or self.invoices.ok))


async def sync_store(config: StoreConfig, *, ledger: Ledger, inbox: Inbox, open_client: ClientOpener,
                     options: SyncOptions, run_id: int | None, state_dir: Path,
                     progress: Progress | None = None, worker: LedgerWorker | None = None,
                     slot: Slot | None = None) -> StoreResult:
    """One store, under its lock; never raises: every failure ends up in the StoreResult. `slot`: its place
    among the stores posting at once, given back once its posting is done (before the archive and counts)."""
    if worker is None:  # on its own (tests): a worker for this store only
        own = LedgerWorker(ledger, run_id)
        try:
            result = await sync_store(config, ledger=ledger, inbox=inbox, open_client=open_client, options=options,
                                      run_id=run_id, state_dir=state_dir, progress=progress, worker=own)
            await own.drain()
            return result
        finally:
            own.close()
    result = StoreResult(config.store)
    with store_lock(ledger, state_dir, config.store) as held:
        if not held:
            result.state, result.message = "locked", "another runner is working this store right now"
            result.hint = "nothing to do: that runner posts its days; run sync again later to see the result"
            return result
        counted = False
        try:
            counted = await _sync_locked(config, ledger, inbox, open_client, options, worker, result, progress,
                                         slot or Slot(None))
        except UserError as exc:  # typed Fortnox errors included: credentials, Fortnox unreachable
            hint = store_wide_hint(exc, config) if isinstance(exc, STORE_WIDE) else exc.hint
            result.state, result.message, result.hint = "error", exc.message, hint
            log.warning("%s: %s", config.store, exc.message)
        except Exception as exc:  # noqa: BLE001 - one store's bug must not stop the others
            log.exception("%s: unexpected error", config.store)
            result.state, result.message = "error", f"unexpected {type(exc).__name__}: {exc}"
            result.hint = "see the debug log in the state directory; pending vouchers are checked on the next run"
        if not (options.dry_run or counted):  # the run stopped early: count what the ledger holds now
            await worker.run(_count, result, ledger, inbox, config.store, options)
        if config.invoice_sync:  # the second stream, under the same lock (docs/invoices.md)
            from pipeline.runner.invoice_sync import sync_invoices

            result.invoices = await sync_invoices(config, ledger=ledger, inbox=inbox, open_client=open_client,
                                                  options=options)
        invoices_state = result.invoices.state if result.invoices else "ok"
        if result.state == "ok" and (result.failed or result.files_quarantined or invoices_state in ("failed", "error")):
            result.state = "failed"
        elif result.state == "ok" and (result.held or invoices_state == "attention"):
            result.state = "attention"
    if progress:
        progress(config.store, "done", result)
    return result


async def _sync_locked(config: StoreConfig, ledger: Ledger, inbox: Inbox, open_client: ClientOpener,
                       options: SyncOptions, worker: LedgerWorker, result: StoreResult,
                       progress: Progress | None, slot: Slot) -> bool:
    """Returns whether the result holds the ledger's counts (a real run that got to its end)."""
    async with contextlib.AsyncExitStack() as stack:
        return await _sync_open(config, ledger, inbox, open_client, options, worker, result, progress, slot, stack)


async def _sync_open(config: StoreConfig, ledger: Ledger, inbox: Inbox, open_client: ClientOpener,
                     options: SyncOptions, worker: LedgerWorker, result: StoreResult, progress: Progress | None,
                     slot: Slot, stack: contextlib.AsyncExitStack) -> bool:
    # New day files mean vouchers to post. With the access token at hand the files are read first and the
    # store takes its place among those talking to Fortnox after; without, it takes its place first and
    # fetches the token while the ledger thread reads the files.
    client: FortnoxApi | None = None
    not_opened: Exception | None = None  # raised only if there is something to post, as without the warm-up
    warm_up: asyncio.Future[None] | None = None
    scan = inbox.scan(config.store, options.settle_for(config))
    if not options.dry_run and scan.ready:
        try:
            client = await stack.enter_async_context(open_client(config))
        except Exception as exc:  # noqa: BLE001 - e.g. no credentials: reported below if there is work
            not_opened = exc
        else:
            if not await client.authenticate(offline=True):
                await slot.take()
                warm_up = asyncio.ensure_future(_authenticate(client))
    try:
        ingested, work = await worker.run(_prepare, config, inbox, ledger, options, worker.run_id, scan)
    finally:
        if warm_up is not None:
            await warm_up  # done before any API call, so the token is fetched once
    _report_files(result, inbox, ingested, options)
    if options.dry_run:
        await worker.run(_dry_run, config, ledger, inbox, options, ingested, result)
        return False
    posted: list[tuple[str, str, int, int]] = []
    poster: _Poster | None = None
    if work:
        if not_opened is not None:
            raise not_opened
        if client is None:
            client = await stack.enter_async_context(open_client(config))
        await slot.take()
        poster = _Poster(config, ledger, client, worker, result, progress, options.today)
        posted = poster.posted
        try:
            await poster.run(work, options.reconcile_rounds)
        except Exception:
            if posted:  # what Fortnox holds is recorded before the store gives up
                await worker.run(ledger.mark_posted_many, posted)
            raise
    slot.release()  # done with Fortnox: the next store may start
    await worker.run(_archive_and_count, config, inbox, ledger, options, result, posted,
                        poster.newest if poster else None, poster.created if poster else ())
    return True


async def _authenticate(client: FortnoxApi) -> None:
    """The warm-up: a failure here is left for the first API call to meet and report."""
    with contextlib.suppress(Exception):
        await client.authenticate()


class Slot:
    """A store's place among those that talk to Fortnox at the same time (`--concurrency`): taken before its
    first call, given back as soon as it has nothing more to ask (its archive and counts are local work)."""

    def __init__(self, gate: asyncio.Semaphore | None) -> None:
        self._gate, self._held = gate, False

    async def take(self) -> None:
        if self._gate is not None and not self._held:
            await self._gate.acquire()
            self._held = True

    def release(self) -> None:
        if self._held and self._gate is not None:
            self._held = False
            self._gate.release()


def _report_files(result: StoreResult, inbox: Inbox, ingested: IngestResult, options: SyncOptions) -> None:
    """What this run did with the store's day files: read, quarantined (each a failure), waiting to settle."""
    result.files_read, result.files_quarantined = ingested.read, ingested.quarantined
    result.files_archived += ingested.archived
    result.files_waiting = len(ingested.unsettled)
    result.skipped += ingested.skipped
    moved = "would be moved" if options.dry_run else "moved"
    for problem in ingested.problems:
        failure = problem.to_json()
        failure["message"] = f"{problem.message} ({moved} to {inbox.root}/quarantine/{result.store}/)"
        failure["hint"] = (f"{problem.hint}; the note beside the quarantined file says more, and how to release it"
                           if not options.dry_run else problem.hint)
        result.failures.append(failure)
    result.notes += [p.to_json() for p in ingested.warnings]
    result.waiting += [{"file": inbox.relative(u.path), "reason": u.reason} for u in ingested.unsettled]


def _prepare(config: StoreConfig, inbox: Inbox, ledger: Ledger, options: SyncOptions, run_id: int | None,
             scan: Scan) -> tuple[IngestResult, list[VoucherRecord]]:
    """The store's new files (`scan`: its settled day files in the inbox) into the ledger, then the work to post
    (one trip to the ledger thread)."""
    if options.dry_run:
        return ingest(config, inbox, ledger, scan, today=options.today, run_id=run_id, dry_run=True,
                      owner=options.org_owner), []
    # what waited before this run, read before the new files go in (then the new ones need no second look)
    states = _REMAPPED + (("skipped",) if options.retry_failed else ()) + (
        ("held",) if config.corrections == "post" else ())
    waiting = Waiting(states, options.from_date, options.to_date)
    ingested = ingest(config, inbox, ledger, scan, today=options.today, run_id=run_id, dry_run=False,
                      waiting=waiting, owner=options.org_owner)
    fresh = [r for r in ingested.records if r.key in ingested.inserted and waiting.holds(r)]
    earlier = [r for r in ingested.waiting if r.key not in ingested.replaced]
    work = _remap(config, ledger, options, [r for r in earlier if r.state != "held"], ingested)
    work += [r for r in fresh if r.state == "planned"]
    held = [r for r in earlier + fresh if r.state == "held"]
    if held and config.corrections == "post":  # the store file decided: post the difference
        work += release_automatically(ledger, config, held, today=options.today)[0]
    return ingested, sorted(work, key=lambda r: r.business_date)  # stable: older vouchers first within a day


_REMAPPED = ("planned", "pending", "failed")


def _remap(config: StoreConfig, ledger: Ledger, options: SyncOptions, waiting: list[VoucherRecord],
           ingested: IngestResult) -> list[VoucherRecord]:
    """Mapping fixes apply to every day not yet posted: planned ones always, failed ones when they may retry.

    `waiting`: the store's vouchers that were planned, pending or failed (skipped too with --retry-failed)
    before this run's new files. Returns the vouchers to post (planned) or to look up first (pending), in
    date order. A correction voucher is posted as it was decided, never mapped again.
    """
    work: list[VoucherRecord] = []
    for record in waiting:
        if record.state == "pending":
            work.append(record)
            continue
        if _failed_for_good(record, options):
            continue
        if record.state == "skipped" and record.error_code in REPLACED:
            continue  # another file's voucher stands for this Z-report: it stays skipped
        if is_correction(record.key):
            work.append(replace(record, state="planned"))
            continue
        fresh = _mapped_again(record, config, options)
        if fresh != record:
            ledger.update_voucher(record.key, state=fresh.state, payload=fresh.payload,
                                  payload_digest=fresh.payload_digest, findings=fresh.findings,
                                  error_code=fresh.error_code, error_message=fresh.error_message,
                                  error_hint=fresh.error_hint, error_permanent=fresh.error_permanent,
                                  store_commit=fresh.store_commit)
            ingested.skipped += fresh.state == "skipped" and record.state != "skipped"
        if fresh.state == "planned":
            work.append(fresh)
    return work


def _failed_for_good(record: VoucherRecord, options: SyncOptions) -> bool:
    """A permanent failure stays as it is until `--retry-failed`."""
    return record.state == "failed" and bool(record.error_permanent) and not options.retry_failed


def _mapped_again(record: VoucherRecord, config: StoreConfig, options: SyncOptions) -> VoucherRecord:
    """The record mapped again from its stored SIE rows, with the store's mapping as it is now.

    A day before start_date (KS306) is posted only when a person names it: `--retry-failed` with `--date`
    (or `--from`) on or before it."""
    if (record.error_code == "KS306" and options.retry_failed and options.from_date is not None
            and options.from_date <= record.business_date):
        config = replace(config, start_date=min(config.start_date, record.business_date))
    mapped = items.map_source(items.source_vouchers(record.source), config, record.business_date, today=options.today)
    return apply_mapping(remapped_by(record, config), mapped)


class _Poster(LookBefore):
    """Posts one store's vouchers through one client, with the financial year cached in the ledger; looks in
    Fortnox first where the ledger cannot tell (look_before.py)."""

    def __init__(self, config: StoreConfig, ledger: Ledger, client: FortnoxApi, worker: LedgerWorker,
                 result: StoreResult, progress: Progress | None, today: date) -> None:
        self.config, self.ledger, self.client, self.worker = config, ledger, client, worker
        self.result, self.progress, self.today = result, progress, today
        self.years: list[FinancialYear] | None = None
        # (key, series, number, year) of vouchers Fortnox holds, recorded in the store's last trip to the ledger:
        # until then they stay `pending`, so a crash in between costs a look-up, never a second voucher
        self.posted: list[tuple[str, str, int, int]] = []
        self.created: list[tuple[str, Voucher]] = []  # (key, Fortnox's answer): its rows, kept for `reconcile`
        self.newest: date | None = None

    async def run(self, work: list[VoucherRecord], rounds: int) -> None:
        work = await self.look_up_uncovered(work)  # days the ledger's mark does not cover: before any POST
        pending = [r for r in work if r.state == "pending"]
        to_post = [r for r in work if r.state == "planned"]
        if pending:  # a crash or an uncertain outcome before: look before posting again
            to_post = sorted(await self.reconcile(pending) + to_post, key=lambda r: (r.business_date, r.key))
        for _ in range(max(rounds, 1)):
            uncertain: list[VoucherRecord] = []
            for record in to_post:
                outcome = await self.post(record)
                if outcome == "uncertain":
                    uncertain.append(record)
                elif outcome == "stop":
                    await self._fail_rest(to_post[to_post.index(record) + 1:], record.key)
                    return
            if not uncertain:
                return
            to_post = await self.reconcile(uncertain)
            if not to_post:
                return

    async def _year_and_pending(self, record: VoucherRecord) -> FinancialYear | None:
        """The financial year from Fortnox while `pending` is committed; if asking fails, the voucher is put
        back to `planned` (nothing was sent) and the error goes on."""
        marking = asyncio.ensure_future(self.worker.mark_pending(record.key))
        try:
            year = await self.year_for(record.business_date)
        except Exception:
            await marking
            await self.worker.run(self.ledger.unmark_pending, [record.key])
            raise
        await marking
        return year

    async def year_known(self, day: date) -> bool:
        """Whether the financial year of `day` is known without asking Fortnox."""
        await self._load_years()
        return any(known.covers(day) for known in self.years or ())

    async def _load_years(self) -> None:
        if self.years is None:
            preloaded = self.worker.years
            cached = (preloaded.get(self.config.store, []) if preloaded is not None
                      else await self.worker.run(self.ledger.cached_years, self.config.store))
            self.years = [FinancialYear(i, f, t) for i, f, t in cached]

    async def year_for(self, day: date) -> FinancialYear | None:
        await self._load_years()
        assert self.years is not None
        for known in self.years:
            if known.covers(day):
                return known
        found = await self.client.financial_year_for(day)
        if found is not None:
            self.worker.cache_year(self.config.store, found.id, found.from_date, found.to_date)
            self.years.append(found)
        return found

    async def post(self, record: VoucherRecord) -> str:
        """posted | failed | uncertain | stop (a store-wide error)."""
        assert record.payload is not None
        if await self.year_known(record.business_date):
            year = await self.year_for(record.business_date)
            await self.worker.mark_pending(record.key)  # committed and synced before the POST
        else:  # the year must be asked for: the pending mark is written meanwhile
            year = await self._year_and_pending(record)
        if year is None:
            await self._failed(record, "NO_FINANCIAL_YEAR", f"Fortnox has no financial year for {record.business_date}",
                         "create the financial year (räkenskapsår) in Fortnox, with the voucher series set to "
                         f"manual, then run `kassasync sync --retry-failed --store {self.config.store}`")
            return "failed"
        draft = items.draft_from_payload(record.payload, record.key, markers.kind_of(record.marker))
        try:
            voucher = await self.client.create_voucher(year.id, draft)
        except fe.TransientError as exc:  # timeouts, dropped connections, 5xx, 429: maybe posted
            log.info("%s %s: uncertain outcome (%s); looking for its marker", self.config.store, record.key, exc)
            await self.worker.run(self.ledger.note_uncertain, record.key, code=_code(exc), message=exc.message,
                                  hint=exc.hint)
            return "uncertain"
        except fe.FortnoxError as exc:
            # a store-wide error is the store's, not the day's: once it is fixed a plain sync posts the days
            store_wide = isinstance(exc, STORE_WIDE)
            await self._failed(record, _code(exc), exc.message, store_wide_hint(exc, self.config) if store_wide
                               else exc.hint, permanent=not store_wide)
            return "stop" if store_wide else "failed"
        self.posted.append((record.key, voucher.voucher_series, voucher.voucher_number, voucher.year))
        self.created.append((record.key, voucher))
        self._counted(record, found=False)
        return "posted"

    def _counted(self, record: VoucherRecord, found: bool) -> None:
        """A voucher Fortnox holds now: posted by this run, or `found` there by its marker."""
        self.result.posted += 1
        self.result.found += found
        self.newest = max(self.newest or record.business_date, record.business_date)
        if self.progress:
            self.progress(self.config.store, "posted", None)

    async def _failed(self, record: VoucherRecord, code: str, message: str, hint: str | None,
                      permanent: bool = True) -> None:
        await self.worker.run(self.ledger.mark_failed, record.key, code=code, message=message, hint=hint,
                              permanent=permanent)
        if self.progress:
            self.progress(self.config.store, "failed", None)

    async def _fail_rest(self, rest: list[VoucherRecord], cause_key: str) -> None:
        cause = await self.worker.run(self.ledger.voucher, cause_key)
        assert cause is not None
        for record in rest:
            if record.state == "planned":
                await self._failed(record, cause.error_code or "", cause.error_message or "", cause.error_hint,
                                   permanent=bool(cause.error_permanent))


def store_wide_hint(exc: fe.FortnoxError, config: StoreConfig) -> str:
    """The fix of an error that stops the whole store, and what to run after it."""
    where = config.path or f"the store file of {config.store}"
    check = ""
    if isinstance(exc, fe.AuthError):
        check = (f"check fortnox.tenant_id in {where} (it must be the TenantId of {config.name}'s own Fortnox "
                 f"company, org {config.org_number}) and that the company has approved the integration (consent); ")
    fix = (exc.hint or "").rstrip(". ")
    return (f"{check}{fix}; after the fix run `kassasync sync --retry-failed --store {config.store}` (a plain "
            "`kassasync sync` retries the days this held back, too)")


def _code(exc: fe.FortnoxError) -> str:
    return str(exc.code) if exc.code else type(exc).__name__


def _archive_done(config: StoreConfig, inbox: Inbox, ledger: Ledger, today: date) -> int:
    """Files whose vouchers are all posted (or skipped) move to archive/<store>/<yyyy>/."""
    moved = 0
    for waiting in ledger.waiting_files(config.store):
        if any(state not in ("posted", "skipped") for state in waiting.states):
            continue
        path = Path(waiting.path)
        year = min(waiting.dates).year if waiting.dates else today.year
        note = f"all {len(waiting.states)} voucher(s) posted or skipped"
        if not path.exists():  # moved by a run that was killed before it could record the move: record it now
            moved_before = inbox.root / "archive" / config.store / f"{year:04d}" / waiting.name
            if moved_before.is_file() and items.file_digest(moved_before.read_bytes()) == waiting.digest:
                ledger.set_file_state(config.store, waiting.digest, "archived", path=str(moved_before), note=note)
            continue
        target = inbox.archive(config.store, path, year, waiting.digest)
        ledger.set_file_state(config.store, waiting.digest, "archived", path=str(target), note=note)
        moved += 1
    return moved


def _archive_and_count(config: StoreConfig, inbox: Inbox, ledger: Ledger, options: SyncOptions,
                       result: StoreResult, posted: list[tuple[str, str, int, int]], newest: date | None = None,
                       created: Sequence[tuple[str, Voucher]] = ()) -> None:
    """The vouchers posted this run recorded (and the store's mark moved on over their days, and the rows
    Fortnox answered with kept), the store's finished files to the archive, then its counts (one trip to the
    ledger thread)."""
    ledger.mark_posted_many(posted)
    record_vouchers(ledger, config.store, created, POST, now=now())
    if newest is not None:
        ledger.advance_mark(config.store, newest, now=now())
    result.files_archived += _archive_done(config, inbox, ledger, options.today)
    _count(result, ledger, inbox, config.store, options)


def _count(result: StoreResult, ledger: Ledger, inbox: Inbox, store: str, options: SyncOptions) -> None:
    """The store's vouchers not posted (in the date range) counted, each failure and held re-export listed with
    its day file and line. Skipped vouchers are counted where this run skipped them, not here."""
    problems: list[Unposted] = []
    for record in ledger.unposted(store, from_date=options.from_date, to_date=options.to_date):
        if record.state == "failed":
            result.failed += 1
            problems.append(record)
        elif record.state == "held":
            result.held += 1
            problems.append(record)
        elif record.state == "pending":
            result.pending += 1
        elif record.state == "planned":
            result.planned += 1
    if problems:
        where = {p.key: p for p in ledger.problem_files(store, keys=[r.key for r in problems])}
        for record in problems:
            found = where.get(record.key)
            entry = _failure(record, inbox.relative(found.path) if found and found.path else None,
                             found.line if found else 0)
            (result.failures if record.state == "failed" else result.attention).append(entry)


def _failure(record: VoucherRecord | Unposted, file: str | None, line: int) -> dict[str, Any]:
    return {"business_date": record.business_date.isoformat(), "key": record.key, "code": record.error_code,
            "file": file, "line": line, "message": record.error_message, "hint": record.error_hint,
            "permanent": bool(record.error_permanent)}


def _dry_run(config: StoreConfig, ledger: Ledger, inbox: Inbox, options: SyncOptions, ingested: IngestResult,
             result: StoreResult) -> None:
    """What a real run would post: new files' vouchers plus the ledger's unposted ones, re-mapped now."""
    result.state = "dry-run"
    known = ledger.store_vouchers(config.store, states=["planned", "pending", "failed"],
                                  from_date=options.from_date, to_date=options.to_date)
    files = {f.digest: inbox.relative(f.path) for f in ledger.store_files(config.store, state="read")}
    files.update(ingested.files)
    new = list(ingested.records)
    for record in known:
        if _failed_for_good(record, options) or is_correction(record.key):
            new.append(record)
            continue
        fresh = _mapped_again(record, config, options)
        new.append(replace(fresh, state="planned" if fresh.state == "planned" else record.state))
    for record in new:
        if options.from_date and record.business_date < options.from_date:
            continue
        if options.to_date and record.business_date > options.to_date:
            continue
        if record.state == "planned" and record.payload:
            payload = json.loads(record.payload)
            total = sum((Decimal(r["debit"]) for r in payload["rows"]), Decimal(0))
            result.planned += 1
            result.would_post.append({"business_date": record.business_date.isoformat(), "key": record.key,
                                      "description": payload["description"], "rows": len(payload["rows"]),
                                      "total": str(total)})
        elif record.state == "failed":
            result.failed += 1
            result.failures.append(_failure(record, files.get(record.file_digest), problem_line(
                record.error_code, record.findings, record.source)))
        elif record.state == "held":
            result.held += 1
