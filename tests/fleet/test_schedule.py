"""The fleet's schedule in Swedish time: the engine ticks hourly at the cron's minutes, a tick goes on only at
the cron's Swedish time, winter and summer."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.errors import UserError
from pipeline.fleet.schedule import DEFAULT_SYNC_CRON, LocalCron


def _at(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def test_the_nightly_sync_is_at_half_past_five_swedish_time_all_year() -> None:
    cron = LocalCron.parse(DEFAULT_SYNC_CRON, source="KASSASYNC_SYNC_CRON")
    assert cron.engine_cron == "30 * * * *"
    assert cron.due(_at("2026-12-03T04:30:00"))  # winter: UTC+1
    assert not cron.due(_at("2026-12-03T05:30:00"))
    assert cron.due(_at("2026-07-01T03:30:00"))  # summer: UTC+2
    assert not cron.due(_at("2026-07-01T04:30:00"))
    assert cron.due(_at("2026-03-29T03:30:00"))  # the night the clocks go forward, after the change


def test_a_weekday_and_a_list_of_minutes_are_read_in_swedish_time() -> None:
    cron = LocalCron.parse("0,30 23 * * 0", source="KASSASYNC_SYNC_CRON")  # Sundays at 23:00 and 23:30
    assert cron.engine_cron == "0,30 * * * *"
    assert cron.due(_at("2026-12-06T22:30:00"))  # Sunday 23:30 in Stockholm
    assert not cron.due(_at("2026-12-06T23:30:00"))  # Monday 00:30 there


@pytest.mark.parametrize("expression, message", [
    ("30 5 * *", "is not a five-field cron expression"),
    ("61 5 * * *", "is not a five-field cron expression"),
    ("* 5 * * *", "runs more than once an hour"),
    ("*/15 5 * * *", "runs more than once an hour"),
])
def test_a_cron_that_cannot_be_kept_is_refused_with_the_fix(expression: str, message: str) -> None:
    with pytest.raises(UserError) as caught:
        LocalCron.parse(expression, source="KASSASYNC_SYNC_CRON")
    assert message in caught.value.message and "KASSASYNC_SYNC_CRON" in caught.value.message
    assert "30 5 * * *" in (caught.value.hint or "")


def test_the_engine_gets_a_libpq_address_and_sqlite_is_refused_with_the_set_up() -> None:
    from pipeline.fleet.engine import conninfo

    url = "postgresql+psycopg://kassasync:secret@db.internal:5433/kassasync?options=-csearch_path%3Dfleet"
    assert conninfo(url) == "postgresql://kassasync:secret@db.internal:5433/kassasync?options=-csearch_path%3Dfleet"
    with pytest.raises(UserError) as caught:
        conninfo("sqlite:////var/lib/kassasync/ledger.sqlite3")
    assert "the fleet needs PostgreSQL" in caught.value.message
    assert "kassasync db upgrade" in (caught.value.hint or "")
