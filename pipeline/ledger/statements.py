"""The ledger's frequent statements, built once with bind parameters (building SQL per call costs more than
running it on SQLite; a run with hundreds of stores runs each of these hundreds of times)."""
from __future__ import annotations

from functools import cache
from typing import Any

import sqlalchemy as sa

from pipeline.ledger.tables import files, financial_years, vouchers

VOUCHER_FILTERS = ("states", "from_date", "to_date", "file_digest", "dates")


@cache
def select_vouchers(filters: frozenset[str]) -> sa.Select[Any]:
    """One store's vouchers in date order; `filters` names the bind parameters used (see VOUCHER_FILTERS).

    `either_states` (with `either_from`, `either_to`): the vouchers in these states and dates, or (when `dates`
    is given too) those on `dates` whatever their state: two questions in one query."""
    c = vouchers.c
    query = vouchers.select().where(c.store == sa.bindparam("store"))
    if "either_states" in filters:
        either: list[sa.ColumnElement[bool]] = [c.state.in_(sa.bindparam("either_states", expanding=True))]
        either += [c.business_date >= sa.bindparam("either_from")] if "either_from" in filters else []
        either += [c.business_date <= sa.bindparam("either_to")] if "either_to" in filters else []
        condition = sa.and_(*either)
        if "dates" in filters:
            condition = sa.or_(condition, c.business_date.in_(sa.bindparam("dates", expanding=True)))
        query = query.where(condition)
        filters = filters - {"dates"}
    conditions = {
        "states": lambda: c.state.in_(sa.bindparam("states", expanding=True)),
        "from_date": lambda: c.business_date >= sa.bindparam("from_date"),
        "to_date": lambda: c.business_date <= sa.bindparam("to_date"),
        "file_digest": lambda: c.file_digest == sa.bindparam("file_digest"),
        "dates": lambda: c.business_date.in_(sa.bindparam("dates", expanding=True)),
    }
    for name in VOUCHER_FILTERS:
        if name in filters:
            query = query.where(conditions[name]())
    return query.order_by(c.business_date, c.created_at, c.key)


@cache
def update_voucher(columns: tuple[str, ...]) -> sa.Update:
    """SET the named columns (bind parameters `v_<column>`) of the voucher with key `b_key`."""
    return vouchers.update().where(vouchers.c.key == sa.bindparam("b_key")).values(
        {name: sa.bindparam(f"v_{name}") for name in columns})


UNMARK_PENDING = vouchers.update().where(vouchers.c.key.in_(sa.bindparam("keys", expanding=True)),
                                         vouchers.c.state == "pending").values(
    state="planned", updated_at=sa.bindparam("v_updated_at"), attempts=vouchers.c.attempts - 1)
MARK_PENDING = vouchers.update().where(vouchers.c.key.in_(sa.bindparam("keys", expanding=True))).values(
    state="pending", run_id=sa.bindparam("v_run_id"), updated_at=sa.bindparam("v_updated_at"),
    attempts=vouchers.c.attempts + 1)


@cache
def select_files(by_store: bool, by_state: bool, by_digests: bool = False) -> sa.Select[Any]:
    query = files.select()
    if by_store:
        query = query.where(files.c.store == sa.bindparam("store"))
    if by_state:
        query = query.where(files.c.state == sa.bindparam("state"))
    if by_digests:
        query = query.where(files.c.digest.in_(sa.bindparam("digests", expanding=True)))
    return query.order_by(files.c.store, files.c.first_seen_at)


# The store's files still in the inbox with their vouchers' dates and states (none for a file without any):
# what archiving needs, without the SIE source or the Fortnox payload of every voucher.
WAITING_FILES = (
    sa.select(files.c.digest, files.c.path, files.c.name, vouchers.c.business_date, vouchers.c.state)
    .select_from(files.outerjoin(vouchers, sa.and_(vouchers.c.store == files.c.store,
                                                   vouchers.c.file_digest == files.c.digest)))
    .where(files.c.store == sa.bindparam("store"), files.c.state == "read")
    .order_by(files.c.first_seen_at, files.c.digest))


@cache
def unposted(from_date: bool, to_date: bool) -> sa.Select[Any]:
    """The store's vouchers not posted (in the date range), with the columns a run's counts and failures use."""
    c = vouchers.c
    query = sa.select(c.key, c.business_date, c.state, c.error_code, c.error_message, c.error_hint,
                      c.error_permanent).where(c.store == sa.bindparam("store"), c.state != "posted")
    if from_date:
        query = query.where(c.business_date >= sa.bindparam("from_date"))
    if to_date:
        query = query.where(c.business_date <= sa.bindparam("to_date"))
    return query.order_by(c.business_date, c.created_at, c.key)


ADOPT_REBUILT = vouchers.update().where(vouchers.c.store == sa.bindparam("b_store"),
                                        vouchers.c.file_digest == sa.bindparam("b_prefix")).values(
    file_digest=sa.bindparam("v_digest"))
SET_FILE_STATE = files.update().where(files.c.store == sa.bindparam("b_store"),
                                      files.c.digest == sa.bindparam("b_digest")).values(
    state=sa.bindparam("v_state"), path=sa.bindparam("v_path"), note=sa.bindparam("v_note"),
    updated_at=sa.bindparam("v_updated_at"))
INSERT_YEAR = financial_years.insert()
SELECT_YEARS = sa.select(financial_years.c.year_id, financial_years.c.from_date, financial_years.c.to_date).where(
    financial_years.c.store == sa.bindparam("store"))


@cache
def insert_vouchers_ignoring_known(dialect: str) -> Any:
    """INSERT that keeps an existing row with the same key as it is (SQLite, PostgreSQL), else None."""
    insert = _dialect_insert(dialect, vouchers)
    if insert is None:
        return None
    return insert.on_conflict_do_nothing(index_elements=["key"]).returning(vouchers.c.key)


@cache
def insert_years_ignoring_known(dialect: str) -> Any:
    """INSERT of cached financial years that keeps a year another runner cached first (SQLite, PostgreSQL)."""
    insert = _dialect_insert(dialect, financial_years)
    return None if insert is None else insert.on_conflict_do_nothing(index_elements=["store", "year_id"])


@cache
def upsert_file(dialect: str) -> Any:
    insert = _dialect_insert(dialect, files)
    if insert is None:
        return None
    kept = ("path", "name", "state", "note", "voucher_count", "updated_at")
    return insert.on_conflict_do_update(index_elements=["store", "digest"],
                                        set_={name: insert.excluded[name] for name in kept})


def _dialect_insert(dialect: str, table: sa.Table) -> Any:
    if dialect == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table)
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    return None
