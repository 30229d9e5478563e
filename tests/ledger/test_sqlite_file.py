"""The ledger file: a missing one is a new ledger, made whole before it gets its name; an empty, cut-short,
foreign or damaged one stops with the file's name and the fix, and is never taken for a new ledger."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pipeline.ledger import Ledger, VoucherRecord
from pipeline.ledger.sqlite_file import BrokenLedger, check, move_aside


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


def _filled(path: Path, rows: int = 400) -> None:
    """A ledger of several pages, closed (so its WAL is checkpointed into the file)."""
    ledger = Ledger.open(_url(path))
    ledger.add_vouchers([VoucherRecord(key=f"s/2026-05-01/{n:016x}/:1", store="s", business_date=date(2026, 5, 1),
                                       file_digest="d" * 64, ver_id=":1", marker="KS2-Z-x", source="[]" * 200,
                                       state="planned") for n in range(rows)], None)
    ledger.close()


def _broken(path: Path) -> BrokenLedger:
    with pytest.raises(BrokenLedger) as caught:
        Ledger.open(_url(path), thorough=True)
    assert caught.value.path == path
    assert str(path) in caught.value.message and "`kassasync ledger rebuild`" in (caught.value.hint or "")
    return caught.value


def test_a_missing_file_is_a_new_ledger_created_whole(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    ledger = Ledger.open(_url(path))
    assert ledger.counts() == {"planned": 0, "pending": 0, "posted": 0, "failed": 0, "skipped": 0, "held": 0}
    ledger.close()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("ledger.sqlite3")) == []
    check(path, thorough=True)  # what it created passes its own check
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_an_empty_file_is_broken_not_new(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    path.write_bytes(b"")
    assert "it is empty (0 bytes)" in _broken(path).message
    assert path.read_bytes() == b""  # untouched


def test_a_file_cut_short_is_broken(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    _filled(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert "it is cut short:" in _broken(path).message


def test_a_file_that_looks_short_while_its_wal_is_checkpointed_is_waited_for(tmp_path: Path) -> None:
    import threading

    path = tmp_path / "ledger.sqlite3"
    _filled(path)
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])  # page 1 written, the pages after it not yet
    Path(f"{path}-wal").write_bytes(b"")
    done = tmp_path / "whole"
    done.write_bytes(whole)
    finishing = threading.Timer(0.15, lambda: os.replace(done, path))  # the rest of the pages, all at once
    finishing.start()
    try:
        check(path)
    finally:
        finishing.join()


def test_garbage_is_broken(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    path.write_bytes(os.urandom(5000))
    assert "it is not an SQLite database" in _broken(path).message


def test_another_sqlite_database_is_not_a_ledger(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (text)")
    assert "without the ledger's tables" in _broken(path).message


def test_damage_inside_is_found_by_the_thorough_check(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    _filled(path)
    with sqlite3.connect(path) as conn:  # the schema's pages (sqlite_master) come before the vouchers' rows
        schema_pages = int(conn.execute("SELECT max(rootpage) FROM sqlite_master").fetchone()[0]) + 2
    conn.close()
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    assert len(data) // page > schema_pages + 20
    for offset in range(schema_pages * page, len(data) - page, page):  # the rows' b-tree headers broken
        data[offset:offset + 12] = b"\xff" * 12
    path.write_bytes(bytes(data))
    Ledger.open(_url(path)).close()  # the quick check at open does not read every page
    message = _broken(path).message
    assert "SQLite finds it damaged" in message or "SQLite cannot read it" in message


def test_move_aside_keeps_the_file_and_its_side_files(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    path.write_bytes(b"junk")
    Path(f"{path}-wal").write_bytes(b"wal")
    kept = move_aside(path, datetime(2026, 11, 28, 3, 0, tzinfo=UTC))
    assert kept.name == "ledger.sqlite3.broken-20261128T030000Z"
    assert kept.read_bytes() == b"junk" and Path(f"{kept}-wal").read_bytes() == b"wal"
    assert not path.exists() and not Path(f"{path}-wal").exists()


def _killed_while_checkpointing(path: Path) -> None:
    """The ledger as a runner killed in the middle of a checkpoint leaves it: more rows in the WAL (the runner
    died before checkpointing them), and page 1 copied from the WAL into the file (with the new page count)
    while the pages that make the file longer are not yet. SQLite checkpoints in page order."""
    _filled(path, rows=50)
    script = (
        "import os, sqlite3, sys\n"
        "conn = sqlite3.connect(sys.argv[1])\n"
        "conn.execute('PRAGMA wal_autocheckpoint=0')\n"
        "conn.executemany('INSERT INTO vouchers (key, store, business_date, file_digest, ver_id, marker, source,"
        " state, attempts, created_at, updated_at) VALUES (?, \"s\", \"2026-05-02\", \"d\", \":1\", \"m\","
        " ?, \"planned\", 0, \"2026-05-02 00:00:00\", \"2026-05-02 00:00:00\")',"
        " [(f'late/{n}', '[]' * 200) for n in range(400)])\n"
        "conn.commit()\n"
        "os._exit(0)\n")  # no close: nothing is checkpointed
    subprocess.run([sys.executable, "-c", script, str(path)], check=True)
    wal = Path(f"{path}-wal").read_bytes()
    page = int.from_bytes(path.read_bytes()[16:18], "big")
    frame = 24 + page
    newest_first_page = [wal[at + 24:at + frame] for at in range(32, len(wal) - frame + 1, frame)
                         if int.from_bytes(wal[at:at + 4], "big") == 1][-1]
    with path.open("r+b") as handle:
        handle.write(newest_first_page)


def test_a_checkpoint_killed_half_way_is_finished_by_sqlite_not_taken_for_a_broken_ledger(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    _killed_while_checkpointing(path)
    header = path.read_bytes()[:100]
    assert path.stat().st_size < int.from_bytes(header[16:18], "big") * int.from_bytes(header[28:32], "big")
    check(path, thorough=True)
    ledger = Ledger.open(_url(path), thorough=True)
    try:
        assert ledger.counts()["planned"] == 450  # the rows of the file and of the WAL
    finally:
        ledger.close()


def test_a_short_file_whose_wal_does_not_hold_the_rest_is_broken(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    _filled(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    Path(f"{path}-wal").write_bytes(os.urandom(4000))  # not a WAL SQLite can use
    message = _broken(path).message
    assert "it is cut short:" in message and "its WAL" in message
