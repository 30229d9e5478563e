"""The ledger's SQLite file: created whole or not at all, and checked before use, so that an empty, cut-short or
damaged file stops the run with the fix instead of passing for a new ledger.

A missing file is a new ledger (the reconciled-through marks make that safe: every day is looked up in Fortnox
before it is posted). A file that is there was complete once, because a new file only appears under its name
once its tables exist; so a file that is empty, shorter than its header says (and than its WAL makes up for),
not SQLite, without the tables or damaged inside has lost what it held, and kassasync says so rather than
starting over in silence.
"""
from __future__ import annotations

import os
import secrets
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from pipeline.errors import UserError

HEADER = b"SQLite format 3\x00"
CHECKPOINT_WAITS = 20  # times 50 ms: how long a file that looks cut short may be a checkpoint under way
SIDE_FILES = ("-wal", "-shm", "-journal")


class BrokenLedger(UserError):
    def __init__(self, path: Path, why: str) -> None:
        super().__init__(
            f"the ledger {path} is broken: {why}",
            "kassasync does not start over with an empty ledger by itself: the ledger is how it knows what is "
            f"already posted. Run `kassasync ledger rebuild`: it moves this file aside (to {path.name}.broken-"
            "<date and time>), reads back from Fortnox every voucher kassasync posted, and the next "
            "`kassasync sync` carries on from there. (Restored the ledger from a backup instead? Run "
            "`kassasync ledger rebuild` after that too.)")
        self.path = path


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; None for any other database or an in-memory one."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def check_or_create(url: str, create: Callable[[str], object], *, thorough: bool = False) -> None:
    """A missing ledger file is created whole (tables and all, under another name, then linked into place);
    one that is there is checked (`check`)."""
    path = sqlite_path(url)
    if path is None:
        return
    if not path.exists():
        _create_whole(url, path, create)
        return
    check(path, thorough=thorough)


def check(path: Path, *, thorough: bool = False) -> None:
    """Raises BrokenLedger when the file cannot be the ledger kassasync wrote. Cheap: the size, the 100-byte
    header and the table names; `thorough` adds SQLite's page-by-page check (reads the whole file)."""
    size = path.stat().st_size
    if size == 0:
        raise BrokenLedger(path, "it is empty (0 bytes)")
    with path.open("rb") as handle:
        header = handle.read(100)
    if len(header) < 100 or not header.startswith(HEADER):
        raise BrokenLedger(path, f"it is not an SQLite database (its {size} bytes do not start with SQLite's header)")
    for _ in range(CHECKPOINT_WAITS):
        short = _cut_short(path)
        # A checkpoint writes page 1 (the new page count) before the pages that make the file longer: while a
        # runner checkpoints its WAL the file may look short for a moment. Cut short stays cut short.
        if short is None or not Path(f"{path}-wal").exists():
            break
        time.sleep(0.05)
    # A checkpoint that was killed (a runner killed while it checkpointed) leaves the file short for good, but
    # its WAL still holds every page: SQLite reads them from there and finishes the checkpoint itself. With a
    # WAL beside it, a short file is broken only if SQLite, reading both, finds pages missing.
    wal_holds_the_rest = short is not None and _wal_size(path) > 0
    if short is not None and not wal_holds_the_rest:
        raise BrokenLedger(path, short)
    try:
        conn = sqlite3.connect(str(path), timeout=60)
    except sqlite3.Error as exc:
        raise BrokenLedger(path, f"SQLite cannot open it: {exc}") from exc
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "vouchers" not in tables:
            raise BrokenLedger(path, "it is an SQLite database without the ledger's tables")
        if wal_holds_the_rest or thorough:
            problems = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
            if problems != ["ok"]:
                why = f"{short}, and its WAL does not hold the rest" if wal_holds_the_rest else "SQLite finds it damaged"
                raise BrokenLedger(path, f"{why}: {'; '.join(problems)}")
    except sqlite3.DatabaseError as exc:
        raise BrokenLedger(path, f"{short}, and SQLite cannot read it with its WAL: {exc}" if wal_holds_the_rest
                           else f"SQLite cannot read it: {exc}") from exc
    finally:
        conn.close()


def _wal_size(path: Path) -> int:
    try:
        return Path(f"{path}-wal").stat().st_size
    except FileNotFoundError:
        return 0


def _cut_short(path: Path) -> str | None:
    """Why the file is shorter than its header says, or None."""
    with path.open("rb") as handle:
        header = handle.read(100)
        size = handle.seek(0, os.SEEK_END)
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    # the page count in the header is valid when the two change counters agree (SQLite's own rule)
    if header[24:28] == header[92:96] and size < page_size * pages:
        return (f"it is cut short: {size} bytes, where its header counts {pages} pages of {page_size} bytes "
                f"({pages * page_size} bytes)")
    return None


def move_aside(path: Path, now: datetime | None = None) -> Path:
    """Renames a broken ledger file (and its WAL and shared-memory files) to `<name>.broken-<UTC time>`; kept,
    never deleted, for whoever wants to look into it."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.broken-{stamp}")
    for suffix in ("", *SIDE_FILES):
        source = Path(f"{path}{suffix}")
        if source.exists():
            source.rename(Path(f"{target}{suffix}"))
    return target


def _create_whole(url: str, path: Path, create: Callable[[str], object]) -> None:
    # A crash while creating leaves only a file under the temporary name, never a half-made ledger under its own.
    scratch = path.with_name(f".{path.name}.new-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        create(sa.engine.make_url(url).set(database=str(scratch)).render_as_string(hide_password=False))
        try:
            os.link(scratch, path)  # never replaces: a runner that created it first wins
        except FileExistsError:
            pass
    finally:
        for suffix in ("", *SIDE_FILES):
            Path(f"{scratch}{suffix}").unlink(missing_ok=True)
