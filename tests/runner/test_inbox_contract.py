"""The inbox contract (issue 11): a day file is posted only when it belongs to the store (#ORGNR), when it has
settled (the till finished writing it), and when it is a readable file of the store's own inbox. Each test
first reproduces what went wrong before: another company's file posted, half a file posted, a symlink
followed out of the inbox, one unreadable file stopping the whole store."""
from __future__ import annotations

import dataclasses
import os
import unicodedata
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from runner_fakes import World, age_file, day_file, may_rows

D1, D2 = date(2026, 5, 4), date(2026, 5, 5)
OWN_ORG = "556000-0000"  # store_config()'s org number


def _quarantined(world: World) -> list[str]:
    folder = world.inbox.root / "quarantine" / world.config.store
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


# 1. The file must belong to the store ------------------------------------------------------------------

def test_a_day_file_of_another_company_is_quarantined_and_never_posted(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.drop("Z64.se", day_file([("64", D1, may_rows())], orgnr="556677-8899", company="Annat Bolag AB"))
    result = world.sync()
    assert world.fortnox.posted == []  # before: posted into this store's books
    assert _quarantined(world) == ["Z64.se", "Z64.se.why.txt"]
    note = (world.inbox.root / "quarantine" / "deli" / "Z64.se.why.txt").read_text(encoding="utf-8")
    assert "Annat Bolag AB" in note and "556677-8899" in note  # the file's company
    assert "Deli AB" in note and OWN_ORG in note  # the store's company
    assert "Z64.se:7:" in note and "KS314" in note  # the #ORGNR line
    assert not result.ok and result.files_quarantined == 1
    (failure,) = result.failures
    assert failure["code"] == "KS314" and failure["file"] == "deli/Z64.se" and failure["line"] == 7
    assert world.ledger.store_files("deli")[0].state == "quarantined"


@pytest.mark.parametrize("written", ["5560000000", "16556000-0000", "165560000000", " 556000-0000 "])
def test_the_org_number_matches_with_or_without_dash_and_century(tmp_path: Path, written: str) -> None:
    world = World(tmp_path)
    world.drop("Z64.se", day_file([("64", D1, may_rows())], orgnr=written))
    assert world.sync().posted == 1


def test_the_note_names_the_store_the_file_belongs_to_and_its_inbox(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.drop("Z64.se", day_file([("64", D1, may_rows())], orgnr="5566778899", company="Annat Bolag AB"))
    owners = {"5566778899": "annat-bolag"}
    world.sync(org_owner=owners.get)
    note = (world.inbox.root / "quarantine" / "deli" / "Z64.se.why.txt").read_text(encoding="utf-8")
    assert "store annat-bolag" in note and str(world.inbox.root / "annat-bolag") in note


def test_a_file_without_orgnr_is_posted_with_a_warning_unless_the_store_requires_it(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.drop("Z64.se", day_file([("64", D1, may_rows())]))
    result = world.sync()
    assert result.posted == 1 and result.ok
    assert [(n["code"], n["file"]) for n in result.notes] == [("KS315", "deli/Z64.se")]
    strict = World(tmp_path / "strict", require_orgnr=True)
    strict.drop("Z64.se", day_file([("64", D1, may_rows())]))
    result = strict.sync()
    assert strict.fortnox.posted == [] and result.files_quarantined == 1
    assert result.failures[0]["code"] == "KS317" and "pos.require_orgnr" in result.failures[0]["message"]


# 2. A file is read only when it is complete --------------------------------------------------------------

def _report(number: str, day: date, rows: list[tuple[str, str]]) -> bytes:
    """One #VER block as the till appends it to its day file."""
    stamp = day.strftime("%Y%m%d")
    lines = [f'#VER "" "{number}" {stamp} " nr. {number}" {stamp}', "{"]
    lines += [f'\t#TRANS {account} {{}} {amount} {stamp} "x"' for account, amount in rows]
    return ("\r\n".join([*lines, "}"]) + "\r\n").encode("cp437")


def test_a_half_written_file_is_not_read_until_it_has_settled(tmp_path: Path) -> None:
    """The till writes the day's first Z-report, the runner looks, the till appends the second one. Before,
    the first half was posted as the day's voucher and the rest skipped: the day showed as done, half booked."""
    world = World(tmp_path, voucher_per="day", settle_seconds=120)
    path = world.drop("dag_20260504.se", day_file([("64", D1, may_rows())], orgnr=OWN_ORG), age=5)
    first = world.sync()
    assert world.fortnox.posted == [] and first.files_read == 0
    assert [w["file"] for w in first.waiting] == ["deli/dag_20260504.se"]
    assert "settle" in first.waiting[0]["reason"]
    with open(path, "ab") as handle:  # the till appends the rest
        handle.write(_report("65", D1, may_rows(2)))
    age_file(path, 30)
    assert world.sync().posted == 0  # still young: the till may not be done
    age_file(path, 121)
    result = world.sync()
    assert (result.posted, result.files_read) == (1, 1)
    (posted,) = world.fortnox.posted
    card = sum(r.debit for r in posted.rows if r.account == 1932)
    assert card == Decimal("4230.00")  # both Z-reports of the day (1410.00 + 2820.00), not the first alone


def test_the_command_line_settle_time_wins_over_the_store_file(tmp_path: Path) -> None:
    world = World(tmp_path, settle_seconds=600)
    world.drop("Z64.se", day_file([("64", D1, may_rows())], orgnr=OWN_ORG), age=5)
    assert world.sync().posted == 0
    assert world.sync(settle_seconds=0).posted == 1


def test_a_file_that_changes_while_it_is_read_waits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.runner.inbox import Inbox

    world = World(tmp_path)
    path = world.drop("Z64.se", day_file([("64", D1, may_rows())], orgnr=OWN_ORG))
    real = Inbox.read

    def read_then_the_till_writes(self: Inbox, file: Path) -> bytes:
        content = real(self, file)
        with open(file, "ab") as handle:
            handle.write(_report("65", D2, may_rows()))
        return content

    monkeypatch.setattr(Inbox, "read", read_then_the_till_writes)
    result = world.sync()
    assert result.posted == 0 and [w["file"] for w in result.waiting] == ["deli/Z64.se"]
    monkeypatch.undo()
    age_file(path, 3600)
    assert world.sync().posted == 2


@pytest.mark.parametrize("name", ["~Z64.se", ".Z64.se", "Z64.se.tmp", "Z64.se.part", "Z64.SE.TMP"])
def test_names_tills_use_while_writing_are_left_alone(tmp_path: Path, name: str) -> None:
    world = World(tmp_path)
    world.drop(name, day_file([("64", D1, may_rows())], orgnr=OWN_ORG))
    result = world.sync()
    assert (result.posted, result.files_read, result.files_quarantined) == (0, 0, 0)
    assert (world.inbox.store_dir("deli") / name).exists()


def test_a_file_changed_in_place_before_its_day_is_posted_is_read_again(tmp_path: Path) -> None:
    world = World(tmp_path)
    old_vat = [("1932", "1470.00"), ("2620", "-120.00"), ("3210", "-1000"), ("2610", "-70.00"), ("3340", "-280")]
    world.drop("Z64.se", day_file([("64", D1, old_vat)], orgnr=OWN_ORG))
    assert world.sync().failed == 1
    world.drop("Z64.se", day_file([("64", D1, may_rows())], orgnr=OWN_ORG))  # the till overwrites it, fixed
    result = world.sync()
    assert (result.posted, result.failed, result.files_read) == (1, 0, 1)
    assert len(world.fortnox.posted) == 1
    states = {f.state for f in world.ledger.store_files("deli")}
    assert states == {"archived", "superseded"}
    assert (world.inbox.root / "archive" / "deli" / "2026" / "Z64.se").read_bytes() == \
        day_file([("64", D1, may_rows())], orgnr=OWN_ORG)


def test_a_file_changed_in_place_after_its_day_was_posted_is_a_re_export(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.drop("Z64.se", day_file([("64", D1, may_rows())], orgnr=OWN_ORG))
    assert world.sync().posted == 1
    world.drop("Z64.se", day_file([("64", D1, may_rows(2))], orgnr=OWN_ORG))
    result = world.sync()
    assert result.posted == 0 and len(world.fortnox.posted) == 1
    assert result.held == 1 and not result.ok and result.state == "attention"


# 3. Inbox hygiene ---------------------------------------------------------------------------------------

def test_a_symlink_out_of_the_inbox_is_quarantined_not_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = elsewhere / "Z64.se"
    target.write_bytes(day_file([("64", D1, may_rows())], orgnr=OWN_ORG))
    world = World(tmp_path)
    world.inbox.store_dir("deli").mkdir(parents=True)
    link = world.inbox.store_dir("deli") / "Z64.se"
    link.symlink_to(target)
    age_file(link, 3600)
    result = world.sync()
    assert world.fortnox.posted == []  # before: the file outside the inbox was read and posted
    assert result.files_quarantined == 1 and result.failures[0]["code"] == "KS316"
    moved = world.inbox.root / "quarantine" / "deli" / "Z64.se"
    assert moved.is_symlink() and target.exists()  # the link moved aside; what it points at is untouched
    note = moved.with_name("Z64.se.why.txt").read_text(encoding="utf-8")
    assert str(target) in note and "symlink" in note


def test_an_unreadable_file_is_quarantined_on_its_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before, one file the runner could not open stopped the whole store: its readable files waited too."""
    from pipeline.runner.inbox import Inbox

    world = World(tmp_path)
    world.drop("Z64.se", day_file([("64", D1, may_rows())], orgnr=OWN_ORG))
    world.drop("Z65.se", day_file([("65", D2, may_rows())], orgnr=OWN_ORG))
    real = Inbox.read

    def read(self: Inbox, path: Path) -> bytes:
        if path.name == "Z64.se":
            raise PermissionError(13, "Permission denied", str(path))
        return real(self, path)

    monkeypatch.setattr(Inbox, "read", read)
    result = world.sync()
    assert result.posted == 1 and [v.transaction_date for v in world.fortnox.posted] == [D2]
    assert result.files_quarantined == 1 and result.failures[0]["code"] == "KS311"
    note = (world.inbox.root / "quarantine" / "deli" / "Z64.se.why.txt").read_text(encoding="utf-8")
    assert "Permission denied" in note and "back into" in note


def test_file_names_are_compared_after_unicode_normalisation(tmp_path: Path) -> None:
    composed, decomposed = (unicodedata.normalize(form, "Z64_Åre.se") for form in ("NFC", "NFD"))
    assert composed != decomposed
    world = World(tmp_path)
    content = day_file([("64", D1, may_rows())], orgnr=OWN_ORG)
    world.drop(composed, content)
    assert world.sync().posted == 1
    world.drop(decomposed, content)  # the same file again, its name written the macOS way
    assert world.sync().posted == 0
    archived = [unicodedata.normalize("NFC", p.name) for p in (world.inbox.root / "archive" / "deli" / "2026").iterdir()]
    assert len(archived) == len(set(archived)) == 2  # never two files whose names look the same


def test_a_file_rewritten_under_the_other_normal_form_counts_as_the_same_name(tmp_path: Path) -> None:
    composed, decomposed = (unicodedata.normalize(form, "Z64_Åre.se") for form in ("NFC", "NFD"))
    world = World(tmp_path)
    old_vat = [("1932", "1470.00"), ("2620", "-120.00"), ("3210", "-1000"), ("2610", "-70.00"), ("3340", "-280")]
    world.drop(composed, day_file([("64", D1, old_vat)], orgnr=OWN_ORG))
    assert world.sync().failed == 1
    os.remove(world.inbox.store_dir("deli") / composed)
    world.drop(decomposed, day_file([("64", D1, may_rows())], orgnr=OWN_ORG))
    assert world.sync().posted == 1
    assert {f.state for f in world.ledger.store_files("deli")} == {"archived", "superseded"}


def test_settle_time_comes_from_the_store_file(tmp_path: Path) -> None:
    world = World(tmp_path, settle_seconds=10)
    world.drop("Z64.se", day_file([("64", D1, may_rows())], orgnr=OWN_ORG), age=11)
    assert world.sync().posted == 1
    assert dataclasses.replace(world.config).settle_seconds == 10


# 5. Every count of a run is this run's -----------------------------------------------------------------

def test_skipped_counts_this_run_only(tmp_path: Path) -> None:
    """Before, a run that read nothing still said "1 skipped" for a file skipped weeks ago."""
    world = World(tmp_path)
    content = day_file([("64", D1, may_rows())], orgnr=OWN_ORG)
    world.drop("Z64.se", content)
    world.drop("Z64_copy.se", content.replace(b"#GEN 20261128", b"#GEN 20261129"))  # the same day exported twice
    first = world.sync()
    assert (first.posted, first.skipped) == (1, 1)
    assert world.sync().skipped == 0


def test_a_quarantined_file_moved_back_after_the_fix_is_read_again(tmp_path: Path) -> None:
    """The release the quarantine note describes: fix the cause, move the file (not the note) back."""
    world = World(tmp_path, require_orgnr=True)
    world.drop("Z64.se", day_file([("64", D1, may_rows())]))
    assert world.sync().files_quarantined == 1
    world.config = dataclasses.replace(world.config, require_orgnr=False)  # the store file is changed
    moved = world.inbox.root / "quarantine" / "deli" / "Z64.se"
    assert "To release the file" in moved.with_name("Z64.se.why.txt").read_text(encoding="utf-8")
    os.replace(moved, world.inbox.store_dir("deli") / "Z64.se")
    result = world.sync()
    assert (result.posted, result.files_quarantined) == (1, 0)
    assert [f.state for f in world.ledger.store_files("deli")] == ["archived"]


def test_settling_is_judged_by_the_clock_given(tmp_path: Path) -> None:
    from pipeline.runner.inbox import Inbox

    folder = tmp_path / "inbox" / "deli"
    folder.mkdir(parents=True)
    (folder / "Z64.se").write_bytes(b"#FLAGGA 0\n")
    os.utime(folder / "Z64.se", (1_000_000.0, 1_000_000.0))
    assert [s.name for s in Inbox(tmp_path / "inbox", clock=lambda: 1_000_120.0).scan("deli", 120).ready] == ["Z64.se"]
    young = Inbox(tmp_path / "inbox", clock=lambda: 1_000_119.0).scan("deli", 120)
    assert young.ready == [] and "last changed 119 s ago" in young.unsettled[0].reason
    ahead = Inbox(tmp_path / "inbox", clock=lambda: 999_000.0).scan("deli", 120)
    assert "in the future" in ahead.unsettled[0].reason  # a writer whose clock is ahead: waits, says why
    assert Inbox(tmp_path / "inbox", clock=lambda: 999_000.0).scan("deli", 0).ready  # 0: read at once


def test_without_a_clock_the_inbox_file_system_says_what_time_it_is(tmp_path: Path) -> None:
    """The probe the settle check reads "now" from: a file the inbox's own file system stamps (on a network
    share, the server's clock, the same clock that stamps the till's file)."""
    from pipeline.runner.inbox import CLOCK_PROBE, Inbox

    (tmp_path / "inbox").mkdir()
    inbox = Inbox(tmp_path / "inbox")
    now = inbox.now()
    assert now == (tmp_path / "inbox" / CLOCK_PROBE).stat().st_mtime
    assert inbox.store_dirs() == [] and inbox.day_files("deli") == []  # the probe is no store and no day file


def test_a_file_rewritten_back_to_an_earlier_content_is_posted(tmp_path: Path) -> None:
    """A, then B in its place (A's voucher skipped), then A again: A's voucher stands again and is posted."""
    world = World(tmp_path)
    first = day_file([("64", D1, may_rows())], orgnr=OWN_ORG)
    world.drop("Z64.se", first)
    assert world.sync(to_date=date(2026, 5, 1)).posted == 0  # read, waits (outside the dates)
    world.drop("Z64.se", day_file([("64", D1, may_rows(2))], orgnr=OWN_ORG))
    assert world.sync(to_date=date(2026, 5, 1)).posted == 0
    world.drop("Z64.se", first)
    result = world.sync()
    assert result.posted == 1 and len(world.fortnox.posted) == 1
    assert sum(r.debit for r in world.fortnox.posted[0].rows if r.account == 1932) == Decimal("1410.00")
    assert [d.state for d in world.ledger.store_days("deli")] == ["posted"]
