"""The sync ledger (SQLAlchemy Core): which day files were read, which vouchers were posted, and every run.

SQLite in the state directory by default (`Settings.ledger_url`), PostgreSQL when `KASSASYNC_DATABASE_URL`
says so (several runners then share one ledger). Tables:

- `files`: one row per (store, content digest): `path` where it was last seen, `name`, `state`
  (`read` | `quarantined` | `archived` | `superseded`: the till rewrote it in place), `note` (why it was quarantined or archived), `voucher_count`,
  `first_seen_at`, `updated_at`.
- `vouchers`: one row per voucher to post, keyed by its idempotency key
  (`store/business date/file digest/#VER id`). `marker` (put in the voucher's Comments), `source` (the
  SIE rows as JSON, so `--retry-failed` re-maps without re-reading the file), `payload` and
  `payload_digest` (the Fortnox voucher as JSON), `state` (`planned` | `pending` | `posted` | `failed` |
  `skipped` | `held`: a re-export after posting, waiting for a decision), Fortnox `series`, `number`, `year`, `attempts`, the last error (`error_code` such as
  KS304 or 2000550, `error_message`, `error_hint` = the fix, `error_permanent`), `findings` (JSON
  warnings), `business_date`, `run_id`, `created_at`, `updated_at`, `posted_at`.
- `runs`: one row per `kassasync sync`: `started_at`, `finished_at`, `host`, `pid`, `options`,
  `state` (`running` | `finished` | `interrupted`), the counts, and `summary` (the JSON summary).
- `financial_years`: Fortnox financial years seen per store (cache, so a daily run needs no lookup).
- `reconciled`: per store, the reconciled-through mark: the days for which the ledger knows what Fortnox holds
  (pipeline/runner/ledger_fortnox.py). The SQLite file itself is checked at open (ledger_file.py).
- `corrections`: decisions on re-exports after posting (voucher state `held`, KS312): post the difference as
  a correction voucher (a `vouchers` row of its own, see runner/corrections.py) or dismiss it, with the
  reason, who decided and when.

`pending` means "the POST may have happened": before posting a pending voucher again the runner looks for
its marker in Fortnox. See `pipeline/runner/store_sync.py`.
"""
from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pipeline.runner import reconcile_tables  # noqa: F401 - its tables are created with the ledger's
from pipeline.runner import statements as sql
from pipeline.runner.ledger_file import check_or_create
from pipeline.runner.ledger_fortnox import FortnoxRecord, FoundVoucher, Mark
from pipeline.runner.tables import STATES, corrections, files, financial_years, metadata, runs, vouchers

__all__ = ["STATES", "DayStatus", "FileRecord", "FoundVoucher", "Ledger", "Mark", "ProblemFile", "Unposted",
           "VoucherRecord", "WaitingFile", "day_state", "files", "financial_years", "metadata", "now",
           "problem_line", "runs", "vouchers"]


def now() -> datetime:
    """UTC, without tzinfo: SQLite keeps none, so both databases hold the same naive UTC value."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class VoucherRecord:
    key: str
    store: str
    business_date: date
    file_digest: str
    ver_id: str
    marker: str
    source: str
    state: str
    payload: str | None = None
    payload_digest: str | None = None
    series: str | None = None
    number: int | None = None
    year: int | None = None
    attempts: int = 0
    error_code: str | None = None
    error_message: str | None = None
    error_hint: str | None = None
    error_permanent: bool | None = None
    findings: str | None = None
    posted_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class FileRecord:
    store: str
    digest: str
    path: str
    name: str
    state: str
    note: str | None
    voucher_count: int
    first_seen_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class WaitingFile:
    """A file still in the inbox (state `read`), with the business dates and states of its vouchers."""

    digest: str
    path: str
    name: str
    dates: tuple[date, ...] = ()
    states: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unposted:
    """A voucher not posted: what a run's counts and its list of failures need of it."""

    key: str
    business_date: date
    state: str
    error_code: str | None
    error_message: str | None
    error_hint: str | None
    error_permanent: bool | None


@dataclass(frozen=True)
class DayStatus:
    """One store's business day as the status page shows it."""

    store: str
    business_date: date
    state: str  # posted | failed | held | pending | planned | skipped
    vouchers: int
    posted: int
    failed: int
    held: int = 0  # re-exports after posting waiting for a decision (KS312, `kassasync correct`)
    error_code: str | None = None
    error_message: str | None = None
    error_hint: str | None = None
    error_permanent: bool | None = None
    fortnox: tuple[str, ...] = ()  # "F 12 (year 3)" per posted voucher


_VOUCHER_FIELDS = [f for f in VoucherRecord.__dataclass_fields__]
_POSTED_COLUMNS = tuple(sorted(("state", "series", "number", "year", "posted_at", "updated_at", "error_code",
                                "error_message", "error_hint", "error_permanent")))
_COUNTED_STATES = ("posted", "failed", "pending", "planned", "held")  # skipped counts only in the total
_STATE_COUNTS = [sa.func.sum(sa.case((vouchers.c.state == state, 1), else_=0)).label(state)
                 for state in _COUNTED_STATES]


_PROBLEM_RANK = {"failed": 0, "held": 1, "pending": 2}


@dataclass(frozen=True)
class ProblemFile:
    """A failed or held voucher's day file (`path` where the ledger last saw it) and line in it."""

    key: str
    store: str
    business_date: date
    state: str
    path: str | None
    line: int


def problem_line(code: str | None, findings: str | None, source: str) -> int:
    """The line a voucher's problem points at: its finding's line when a mapping finding stopped it, else the
    line of its (first) #VER."""
    for finding in json.loads(findings or "[]"):
        if finding.get("rule") == code and finding.get("line"):
            return int(finding["line"])
    vouchers_in = json.loads(source or "[]")
    return int(vouchers_in[0].get("line") or 0) if vouchers_in else 0


def _voucher(row: sa.Row[Any]) -> VoucherRecord:
    data = row._mapping
    return VoucherRecord(**{name: data[name] for name in _VOUCHER_FIELDS})


def day_state(states: Iterable[str]) -> str:
    """A day's state from its vouchers' states: any failure wins, then a re-export held for a decision, then
    work in flight, then done."""
    found = set(states)
    for state in ("failed", "held", "pending", "planned"):
        if state in found:
            return state
    return "posted" if "posted" in found else "skipped"


class Ledger(FortnoxRecord):
    """All reads and writes of the ledger; every write is its own committed transaction (the marks and the
    vouchers found in Fortnox: pipeline/runner/ledger_fortnox.py)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._local = threading.local()  # a thread's held connection (see hold_connection) and its depth
        self._held: list[sa.Connection] = []
        self._held_lock = threading.Lock()

    def hold_connection(self) -> sa.Connection:
        """The calling thread keeps one connection for its ledger calls from now on, instead of taking one from
        the pool and giving it back (with a rollback) per call: the run's ledger thread makes thousands.
        Give it back with `release` once the thread has finished."""
        conn: sa.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self.engine.connect()
            self._local.conn, self._local.depth = conn, 0
            with self._held_lock:
                self._held.append(conn)
        return conn

    def release(self, conn: sa.Connection) -> None:
        if getattr(self._local, "conn", None) is conn:
            self._local.conn = None
        with self._held_lock:
            if conn in self._held:
                self._held.remove(conn)
        conn.close()

    @contextlib.contextmanager
    def _connect(self, *, begin: bool = True) -> Iterator[sa.Connection]:
        """The connection for one call, committed at its end (rolled back on an error), as engine.begin() does:
        the thread's held connection when it has one, else one from the pool (`begin=False`: the caller
        commits itself, and what it did not commit is rolled back)."""
        conn: sa.Connection | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            with self.engine.begin() if begin else self.engine.connect() as fresh:
                yield fresh
            return
        self._local.depth += 1
        try:
            yield conn
            if self._local.depth == 1:
                conn.commit()
        except BaseException:
            if self._local.depth == 1:
                conn.rollback()
            raise
        finally:
            self._local.depth -= 1

    @classmethod
    def open(cls, url: str, *, thorough: bool = False) -> Ledger:
        """The ledger at `url`, its tables created when missing. A SQLite file that is there but broken (empty,
        cut short, not SQLite, damaged) raises BrokenLedger: it is never taken for a new ledger. `thorough`:
        SQLite also checks every page (`sync` and `ledger` do; it reads the whole file)."""
        if url.startswith("sqlite"):
            check_or_create(url, _create_file, thorough=thorough)
        engine = _engine(url)
        _create_tables(engine)
        return cls(engine)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def close(self) -> None:
        for conn in list(self._held):
            self.release(conn)
        self.engine.dispose()

    # runs ---------------------------------------------------------------------------------------------
    def start_run(self, options: dict[str, Any]) -> int:
        with self._connect() as conn:
            result = conn.execute(runs.insert().values(
                started_at=now(), host=socket.gethostname(), pid=os.getpid(),
                options=json.dumps(options, default=str), state="running"))
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def finish_run(self, run_id: int, *, posted: int, failed: int, skipped: int, summary: str) -> None:
        with self._connect() as conn:
            conn.execute(runs.update().where(runs.c.id == run_id).values(
                finished_at=now(), state="finished", posted=posted, failed=failed, skipped=skipped,
                summary=summary))

    def interrupt_runs(self) -> int:
        """This process's runs still `running` become `interrupted` (Ctrl-C): they will never finish."""
        with self._connect() as conn:
            result = conn.execute(runs.update().where(
                runs.c.state == "running", runs.c.host == socket.gethostname(), runs.c.pid == os.getpid(),
            ).values(finished_at=now(), state="interrupted"))
            return int(result.rowcount or 0)

    def last_runs(self, limit: int = 10) -> list[dict[str, Any]]:
        with self._connect(begin=False) as conn:
            rows = conn.execute(runs.select().order_by(runs.c.id.desc()).limit(limit))
            return [dict(r._mapping) for r in rows]

    # files --------------------------------------------------------------------------------------------
    def file(self, store: str, digest: str) -> FileRecord | None:
        with self._connect(begin=False) as conn:
            row = conn.execute(files.select().where(files.c.store == store, files.c.digest == digest)).first()
        return FileRecord(**row._mapping) if row else None

    def record_file(self, store: str, digest: str, path: str, name: str, state: str,
                    note: str | None = None, voucher_count: int = 0) -> None:
        stamp = now()
        with self._connect() as conn:
            exists = conn.execute(sa.select(files.c.digest).where(
                files.c.store == store, files.c.digest == digest)).first()
            values = dict(path=path, name=name, state=state, note=note, voucher_count=voucher_count,
                          updated_at=stamp)
            if exists:
                conn.execute(files.update().where(files.c.store == store, files.c.digest == digest)
                             .values(**values))
            else:
                conn.execute(files.insert().values(store=store, digest=digest, first_seen_at=stamp, **values))

    def add_file(self, store: str, digest: str, path: str, name: str, records: Sequence[VoucherRecord],
                 run_id: int | None, replaced: Sequence[VoucherRecord] = (), superseded: Sequence[str] = ()) -> list[str]:
        """A file read and its vouchers, in one transaction (vouchers already known by key are kept as they are).

        `replaced`: earlier, never posted vouchers this file replaces, stored as skipped in the same
        transaction (only while they are still planned, failed or held). `superseded`: digests of this file's
        earlier versions (the till rewrote it in place): their file rows become `superseded`, so the archive
        never moves the new content under the old record. Returns the keys of the vouchers inserted."""
        stamp = now()
        row = dict(store=store, digest=digest, path=path, name=name, state="read", note=None,
                   voucher_count=len(records), first_seen_at=stamp, updated_at=stamp)
        with self._connect() as conn:
            for old in replaced:
                conn.execute(vouchers.update().where(vouchers.c.key == old.key,
                                                     vouchers.c.state.in_(("planned", "failed", "held")))
                             .values(state="skipped", error_code=old.error_code, error_message=old.error_message,
                                     error_hint=old.error_hint, error_permanent=None, updated_at=stamp))
            for earlier in superseded:
                conn.execute(files.update().where(files.c.store == store, files.c.digest == earlier).values(
                    state="superseded", note=f"the file changed in place; its new content is {digest[:12]}",
                    updated_at=stamp))
            inserted = self._insert_vouchers(conn, records, run_id, stamp)
            # rows rebuilt from Fortnox know only the first 16 digits of their file's digest (from the key)
            conn.execute(sql.ADOPT_REBUILT, {"b_store": store, "b_prefix": digest[:16], "v_digest": digest})
            upsert = sql.upsert_file(self.engine.dialect.name)
            if upsert is None:
                conn.execute(files.delete().where(files.c.store == store, files.c.digest == digest))
                conn.execute(files.insert(), row)
            else:
                conn.execute(upsert, row)
        return inserted

    def set_file_state(self, store: str, digest: str, state: str, *, path: str, note: str | None = None) -> None:
        with self._connect() as conn:
            conn.execute(sql.SET_FILE_STATE, {"b_store": store, "b_digest": digest, "v_state": state, "v_path": path,
                                              "v_note": note, "v_updated_at": now()})

    def store_files(self, store: str | None = None, state: str | None = None,
                    digests: Iterable[str] | None = None) -> list[FileRecord]:
        """Files the ledger knows, by store, state and content digests (each filter optional)."""
        query = sql.select_files(bool(store), bool(state), digests is not None)
        params = {"store": store, "state": state, "digests": list(digests or [])}
        with self._connect(begin=False) as conn:
            return [FileRecord(**r._mapping) for r in conn.execute(query, params)]

    def waiting_files(self, store: str) -> list[WaitingFile]:
        """The store's files in state `read`, oldest first, each with its vouchers' dates and states."""
        found: dict[str, tuple[str, str, list[date], list[str]]] = {}
        with self._connect(begin=False) as conn:
            for digest, path, name, day, state in conn.execute(sql.WAITING_FILES, {"store": store}):
                dates, states = found.setdefault(digest, (path, name, [], []))[2:]
                if state is not None:  # a file without vouchers has one row, with no voucher in it
                    dates.append(day)
                    states.append(state)
        return [WaitingFile(digest, path, name, tuple(dates), tuple(states))
                for digest, (path, name, dates, states) in found.items()]

    # vouchers -----------------------------------------------------------------------------------------
    def unposted(self, store: str, *, from_date: date | None = None, to_date: date | None = None) -> list[Unposted]:
        """The store's vouchers not posted, in date order (only the columns counts and failures use)."""
        query = sql.unposted(from_date is not None, to_date is not None)
        params = {"store": store, "from_date": from_date, "to_date": to_date}
        with self._connect(begin=False) as conn:
            return [Unposted(*row) for row in conn.execute(query, params)]

    def add_vouchers(self, records: Sequence[VoucherRecord], run_id: int | None) -> int:
        """Insert the vouchers not yet known (by key); returns how many were new. One transaction."""
        if not records:
            return 0
        with self._connect() as conn:
            return len(self._insert_vouchers(conn, records, run_id, now()))

    def decide_correction(self, held: VoucherRecord, correction: VoucherRecord | None, *, decision: str,
                          reason: str | None, by: str) -> bool:
        """A held re-export decided (`held`: its row as it ends, skipped), with its correction voucher to post
        (`planned`) and the decision row, in one transaction; False when it was no longer held (decided by
        another process meanwhile)."""
        stamp = now()
        with self._connect() as conn:
            done = conn.execute(vouchers.update().where(vouchers.c.key == held.key, vouchers.c.state == "held").values(
                state=held.state, error_code=held.error_code, error_message=held.error_message,
                error_hint=held.error_hint, error_permanent=held.error_permanent, updated_at=stamp))
            if done.rowcount != 1:
                return False
            if correction is not None:
                self._insert_vouchers(conn, [correction], None, stamp)
            conn.execute(corrections.insert().values(
                key=held.key, store=held.store, business_date=held.business_date, decision=decision,
                correction_key=correction.key if correction else None, reason=reason, decided_by=by,
                decided_at=stamp))
        return True

    def correction_decisions(self, store: str) -> list[dict[str, Any]]:
        """The store's decisions on re-exports, newest first."""
        with self._connect(begin=False) as conn:
            rows = conn.execute(corrections.select().where(corrections.c.store == store)
                                .order_by(corrections.c.decided_at.desc()))
            return [dict(r._mapping) for r in rows]

    def problem_files(self, store: str | None = None, keys: Iterable[str] | None = None) -> list[ProblemFile]:
        """Where each failed or held voucher comes from (its day file and line), by store and keys (optional)."""
        v = vouchers.c
        query = (sa.select(v.key, v.store, v.business_date, v.state, v.error_code, v.findings, v.source, files.c.path)
                 .select_from(vouchers.outerjoin(files, sa.and_(files.c.store == v.store,
                                                                files.c.digest == v.file_digest)))
                 .where(v.state.in_(("failed", "held"))).order_by(v.store, v.business_date, v.key))
        if store:
            query = query.where(v.store == store)
        if keys is not None:
            query = query.where(v.key.in_(list(keys)))
        with self._connect(begin=False) as conn:
            return [ProblemFile(row.key, row.store, row.business_date, row.state, row.path,
                                problem_line(row.error_code, row.findings, row.source)) for row in conn.execute(query)]

    def _insert_vouchers(self, conn: sa.Connection, records: Sequence[VoucherRecord], run_id: int | None,
                         stamp: datetime) -> list[str]:
        """Inserts the records whose key is new and returns their keys; a known key keeps its row as it is (it
        may be posted)."""
        if not records:
            return []
        rows = [{**{name: getattr(r, name) for name in _VOUCHER_FIELDS}, "run_id": run_id, "created_at": stamp,
                 "updated_at": stamp} for r in records]
        insert = sql.insert_vouchers_ignoring_known(self.engine.dialect.name)
        if insert is not None:
            return list(conn.execute(insert, rows).scalars())  # RETURNING: the keys actually inserted
        keys = [r.key for r in records]
        known = set(conn.execute(sa.select(vouchers.c.key).where(vouchers.c.key.in_(keys))).scalars())
        fresh = [row for row in rows if row["key"] not in known]
        if fresh:
            conn.execute(vouchers.insert(), fresh)
        return [row["key"] for row in fresh]

    def voucher(self, key: str) -> VoucherRecord | None:
        with self._connect(begin=False) as conn:
            row = conn.execute(vouchers.select().where(vouchers.c.key == key)).first()
        return _voucher(row) if row else None

    def store_vouchers(self, store: str, *, states: Iterable[str] | None = None, from_date: date | None = None,
                       to_date: date | None = None, file_digest: str | None = None,
                       dates: Iterable[date] | None = None, either_states: Iterable[str] | None = None,
                       either_from: date | None = None, either_to: date | None = None) -> list[VoucherRecord]:
        """One store's vouchers in date order, narrowed by whichever filters are given (`either_*`: see
        statements.select_vouchers)."""
        lists = {"states": states, "dates": dates, "either_states": either_states}
        params: dict[str, Any] = {"store": store}
        params.update({name: list(value) for name, value in lists.items() if value is not None})
        scalars = {"from_date": from_date, "to_date": to_date, "file_digest": file_digest, "either_from": either_from,
                   "either_to": either_to}
        params.update({name: value for name, value in scalars.items() if value})
        query = sql.select_vouchers(frozenset(params) - {"store"})
        with self._connect(begin=False) as conn:
            return [_voucher(r) for r in conn.execute(query, params)]

    def update_voucher(self, key: str, **values: Any) -> None:
        values["updated_at"] = now()
        columns = tuple(sorted(values))
        with self._connect() as conn:
            conn.execute(sql.update_voucher(columns), {"b_key": key, **{f"v_{c}": values[c] for c in columns}})

    def mark_pending(self, keys: Sequence[str], run_id: int | None) -> None:
        """Committed BEFORE the POSTs: from here on a voucher may exist in Fortnox, so look before re-posting."""
        if not keys:
            return
        with self._connect(begin=False) as conn:
            if self.is_sqlite:  # this one commit must survive a power cut too: sync the WAL to disk
                conn.exec_driver_sql("PRAGMA synchronous=FULL")
                conn.commit()
            try:
                conn.execute(sql.MARK_PENDING, {"keys": list(keys), "v_run_id": run_id, "v_updated_at": now()})
                conn.commit()
            finally:
                if self.is_sqlite:
                    conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
                    conn.commit()

    def unmark_pending(self, keys: Sequence[str]) -> None:
        """Back to `planned` (nothing was sent after all): undoes mark_pending for vouchers still pending."""
        with self._connect() as conn:
            conn.execute(sql.UNMARK_PENDING, {"keys": list(keys), "v_updated_at": now()})

    def mark_posted(self, key: str, *, series: str, number: int, year: int) -> None:
        self.mark_posted_many([(key, series, number, year)])

    def mark_posted_many(self, posted: Sequence[tuple[str, str, int, int]]) -> None:
        """(key, series, number, year) of vouchers Fortnox holds, in one transaction."""
        if not posted:
            return
        stamp = now()
        rows = [{"b_key": key, "v_state": "posted", "v_series": series, "v_number": number, "v_year": year,
                 "v_posted_at": stamp, "v_updated_at": stamp, "v_error_code": None, "v_error_message": None,
                 "v_error_hint": None, "v_error_permanent": None} for key, series, number, year in posted]
        with self._connect() as conn:
            conn.execute(sql.update_voucher(_POSTED_COLUMNS), rows)

    def mark_failed(self, key: str, *, code: str | None, message: str, hint: str | None,
                    permanent: bool) -> None:
        self.update_voucher(key, state="failed", error_code=code, error_message=message, error_hint=hint,
                            error_permanent=permanent)

    def note_uncertain(self, key: str, *, code: str | None, message: str, hint: str | None) -> None:
        """The POST's outcome is unknown: stays `pending`, with the reason, until the marker check settles it."""
        self.update_voucher(key, state="pending", error_code=code, error_message=message, error_hint=hint,
                            error_permanent=False)

    # financial years ----------------------------------------------------------------------------------
    def cached_years(self, store: str) -> list[tuple[int, date, date]]:
        with self._connect(begin=False) as conn:
            return [(int(r[0]), r[1], r[2]) for r in conn.execute(sql.SELECT_YEARS, {"store": store})]

    def cache_years(self, years: Sequence[tuple[str, int, date, date]]) -> None:
        """(store, year id, first day, last day) of financial years Fortnox named, in one transaction."""
        insert = sql.insert_years_ignoring_known(self.engine.dialect.name)
        if insert is None:
            for year in years:
                self.cache_year(*year)
            return
        with self._connect() as conn:
            conn.execute(insert, [{"store": store, "year_id": year_id, "from_date": first, "to_date": last}
                                  for store, year_id, first, last in years])

    def cache_year(self, store: str, year_id: int, from_date: date, to_date: date) -> None:
        try:
            with self._connect() as conn:
                conn.execute(sql.INSERT_YEAR, {"store": store, "year_id": year_id, "from_date": from_date,
                                               "to_date": to_date})
        except sa.exc.IntegrityError:  # another runner cached it first: the same year, nothing to do
            pass

    def all_cached_years(self) -> dict[str, list[tuple[int, date, date]]]:
        """Every store's cached financial years at once (one query per run instead of one per store)."""
        found: dict[str, list[tuple[int, date, date]]] = {}
        with self._connect(begin=False) as conn:
            for row in conn.execute(financial_years.select()):
                found.setdefault(row.store, []).append((int(row.year_id), row.from_date, row.to_date))
        return found

    def forget_years(self, store: str) -> None:
        with self._connect() as conn:
            conn.execute(financial_years.delete().where(financial_years.c.store == store))

    # reads for status and the report -------------------------------------------------------------------
    def stores(self) -> list[str]:
        with self._connect(begin=False) as conn:
            found = set(conn.execute(sa.select(vouchers.c.store).distinct()).scalars())
            found |= set(conn.execute(sa.select(files.c.store).distinct()).scalars())
        return sorted(found)

    def store_days(self, store: str | None = None, *, from_date: date | None = None, to_date: date | None = None,
                   references_from: date | None = None) -> list[DayStatus]:
        """Per store and business date: the day's state, and the first failure's code, message and fix.

        The states are counted in the database and only the columns status shows are read (not the SIE
        source or the Fortnox payload), so a fleet with a year of history stays quick: only failed and
        uncertain vouchers are read one by one, and the posted vouchers' Fortnox numbers only from
        `references_from` on (what the status grid and JSON show).
        """
        v = vouchers.c
        counts = (sa.select(v.store, v.business_date, sa.func.count().label("total"), *_STATE_COUNTS)
                  .group_by(v.store, v.business_date).order_by(v.store, v.business_date))
        details = (sa.select(v.store, v.business_date, v.state, v.error_code, v.error_message, v.error_hint,
                             v.error_permanent)
                   .where(sa.or_(v.state.in_(("failed", "held")),
                                 sa.and_(v.state == "pending", v.error_message.is_not(None))))
                   .order_by(v.store, v.business_date, v.key))
        posted = (sa.select(v.store, v.business_date, v.series, v.number, v.year)
                  .where(v.state == "posted").order_by(v.store, v.business_date, v.key))
        filters = [v.store == store] if store else []
        filters += [v.business_date >= from_date] if from_date else []
        filters += [v.business_date <= to_date] if to_date else []
        counts, details, posted = (q.where(*filters) for q in (counts, details, posted))
        if references_from:
            posted = posted.where(v.business_date >= references_from)
        first_problem: dict[tuple[str, date], Any] = {}
        references: dict[tuple[str, date], list[str]] = {}
        with self._connect(begin=False) as conn:
            for row in conn.execute(details):
                key = (row.store, row.business_date)
                # a failure wins over a held re-export, which wins over an uncertain post
                rank = _PROBLEM_RANK[row.state]
                if key not in first_problem or rank < _PROBLEM_RANK[first_problem[key].state]:
                    first_problem[key] = row
            for ref in conn.execute(posted):
                references.setdefault((ref.store, ref.business_date), []).append(
                    f"{ref.series} {ref.number} (year {ref.year})")
            rows = conn.execute(counts).all()
        return [_day(store_id, day, counted, first_problem.get((store_id, day)), references.get((store_id, day), ()))
                for store_id, day, *counted in rows]

    def last_posted_day(self, store: str) -> date | None:
        with self._connect(begin=False) as conn:
            return conn.execute(sa.select(sa.func.max(vouchers.c.business_date)).where(
                vouchers.c.store == store, vouchers.c.state == "posted")).scalar()

    def last_posted_days(self, stores: Iterable[str]) -> dict[str, date]:
        """`last_posted_day` for many stores in one query (stores with nothing posted are left out)."""
        query = (sa.select(vouchers.c.store, sa.func.max(vouchers.c.business_date))
                 .where(vouchers.c.store.in_(list(stores)), vouchers.c.state == "posted").group_by(vouchers.c.store))
        with self._connect(begin=False) as conn:
            return {store: day for store, day in conn.execute(query) if day is not None}

    def counts(self, store: str | None = None) -> dict[str, int]:
        query = sa.select(vouchers.c.state, sa.func.count()).group_by(vouchers.c.state)
        if store:
            query = query.where(vouchers.c.store == store)
        with self._connect(begin=False) as conn:
            found = {state: int(n) for state, n in conn.execute(query)}
        return {state: found.get(state, 0) for state in STATES}


def _day(store: str, day: date, counted: list[int], problem: Any, references: Sequence[str]) -> DayStatus:
    total, *per_state = (int(n) for n in counted)
    found = dict(zip(_COUNTED_STATES, per_state, strict=True))
    return DayStatus(
        store=store, business_date=day, state=day_state(state for state, n in found.items() if n), vouchers=total,
        posted=found["posted"], failed=found["failed"], held=found["held"],
        error_code=problem.error_code if problem else None,
        error_message=problem.error_message if problem else None,
        error_hint=problem.error_hint if problem else None,
        error_permanent=problem.error_permanent if problem else None,
        fortnox=tuple(references))


def _engine(url: str) -> Engine:
    is_sqlite = url.startswith("sqlite")
    kwargs: dict[str, Any] = {"future": True}
    if is_sqlite:
        kwargs["connect_args"] = {"timeout": 60}
    engine = sa.create_engine(url, **kwargs)
    if is_sqlite:
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _create_file(url: str) -> None:
    """A new SQLite ledger at `url`, with its tables (see ledger_file.check_or_create)."""
    engine = _engine(url)
    try:
        _create_tables(engine)
    finally:
        engine.dispose()


def _create_tables(engine: Engine, attempts: int = 5) -> None:
    """Creates missing tables; two runners starting at once may race, and the loser simply looks again."""
    for attempt in range(attempts):
        try:
            metadata.create_all(engine)
            return
        except sa.exc.DatabaseError as exc:
            if "already exists" not in str(exc) or attempt == attempts - 1:
                raise


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets a status reader and a runner work at once; busy_timeout makes two runners wait, not fail.
    # synchronous=NORMAL: a commit survives the process being killed, not a power cut; the one write that
    # must survive both (`pending` before a POST) asks for a full sync itself (mark_pending).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
