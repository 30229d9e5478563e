"""The Ledger: one object with every read and write of the ledger, made of one part per concern (runs, files,
vouchers, financial years, reconciled-through marks, corrections, status reads)."""
from __future__ import annotations

from pipeline.ledger.corrections import CorrectionLog
from pipeline.ledger.files import FileLog
from pipeline.ledger.marks import MarkLog
from pipeline.ledger.opening import open_engine
from pipeline.ledger.runs import RunLog
from pipeline.ledger.status import StatusReads
from pipeline.ledger.vouchers import VoucherLog
from pipeline.ledger.years import YearCache


class Ledger(RunLog, FileLog, VoucherLog, YearCache, MarkLog, CorrectionLog, StatusReads):
    """All reads and writes of the ledger; every write is its own committed transaction."""

    @classmethod
    def open(cls, url: str, *, thorough: bool = False, connections: int | None = None) -> Ledger:
        """The ledger at `url`, its schema current (opening.open_engine: a SQLite file is created or upgraded;
        a broken one raises BrokenLedger; a PostgreSQL schema that is behind raises SchemaNotCurrent).
        `thorough`: SQLite also checks every page (`sync` and `ledger` do; it reads the whole file).
        `connections`: the pool's size for a server database (opening.engine_for)."""
        return cls(open_engine(url, thorough=thorough, connections=connections))
