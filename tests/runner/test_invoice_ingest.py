"""Invoice files under the day files' rules: settled before read, quarantined with a note when unusable, never
another company's, a symlink never followed; re-exports replace what was not sent and are held after; a dry run
changes nothing."""
from __future__ import annotations

import os
import time
from pathlib import Path

from invoice_fleet import CSV_FIRST, CSV_HEADER, CSV_SECOND, SIE_SECTION, invoice_fleet, store_yaml

QUARANTINE = Path("inbox") / "quarantine" / "bokhandeln" / "invoices"


def test_a_file_that_cannot_be_read_is_quarantined_with_a_note(tmp_path: Path) -> None:
    with invoice_fleet(tmp_path) as fleet:
        fleet.put("bokhandeln", "fel.csv", CSV_FIRST.replace("Kundnr", "Kund nr"))
        result = fleet.sync()
        assert result["state"] == "failed"
        [failure] = result["invoices"]["failures"]
        assert failure["code"] == "KS501" and "Kundnr" in failure["message"] and failure["line"] == 1
        note = (tmp_path / QUARANTINE / "fel.csv.why.txt").read_text(encoding="utf-8")
        assert "KS501" in note and "move it (not this note) back into" in note
        status = fleet.run("status", "--store", "bokhandeln").output
        assert "invoice file fel.csv was not used" in status and "fel.csv.why.txt" in status


def test_a_bad_value_stops_its_invoice_the_others_are_read_and_the_file_is_set_aside(tmp_path: Path) -> None:
    with invoice_fleet(tmp_path) as fleet:
        fleet.put("bokhandeln", "halv.csv", CSV_FIRST.replace("10;249,00;2 490,00", "tio;249,00;2 490,00"))
        result = fleet.sync()["invoices"]
        assert result["invoices"] == 1 and result["files_quarantined"] == 1  # 7002 is booked, 7001 is not read
        [failure] = result["failures"]
        assert failure["code"] == "KS502" and "'tio' is not a number" in failure["message"]
        assert "(1 other invoice(s) in it were read)" in failure["message"]
        # released after the fix: 7001 is read, 7002 is not sent twice
        fixed = tmp_path / "inbox" / "bokhandeln" / "invoices" / "halv.csv"
        (tmp_path / QUARANTINE / "halv.csv").unlink()
        fixed.write_text(CSV_FIRST, encoding="utf-8")
        os.utime(fixed, (time.time() - 3600, time.time() - 3600))
        again = fleet.sync()["invoices"]
        assert (again["invoices"], again["found"]) == (1, 0)
        assert len(fleet.documents("invoices")) == 2


def test_another_companys_invoice_journal_is_never_used(tmp_path: Path) -> None:
    journal = ('#FLAGGA 0\n#SIETYP 4\n#ORGNR 556812-4373\n#FNAMN "Hamnens Delikatesser AB"\n'
               '#VER "B" "1" 20261124 "Faktnr: 1"\n{\n#TRANS 1510 {} 125.00\n#TRANS 3051 {} -100.00\n'
               '#TRANS 2610 {} -25.00\n}\n')
    with invoice_fleet(tmp_path, store_yaml(section=SIE_SECTION)) as fleet:
        fleet.put("bokhandeln", "journal.si", journal)
        [failure] = fleet.sync()["invoices"]["failures"]
        assert failure["code"] == "KS314" and "invoice journal belongs to" in failure["message"]
        assert (tmp_path / QUARANTINE / "journal.si").is_file()


def test_files_wait_until_settled_and_links_out_of_the_folder_are_not_followed(tmp_path: Path) -> None:
    with invoice_fleet(tmp_path) as fleet:
        fresh = fleet.put("bokhandeln", "ny.csv", CSV_FIRST)
        os.utime(fresh, None)  # just written: the till may still be writing it
        outside = tmp_path / "elsewhere.csv"
        outside.write_text(CSV_SECOND, encoding="utf-8")
        (tmp_path / "inbox" / "bokhandeln" / "invoices" / "lank.csv").symlink_to(outside)
        result = fleet.sync()["invoices"]
        assert result["files_waiting"] == 1 and "waiting to settle" in result["waiting"][0]["reason"]
        [link] = result["failures"]
        assert link["code"] == "KS316" and "not followed" in link["message"]
        assert fleet.documents("invoices") == []


def test_a_re_export_replaces_an_invoice_not_sent_and_is_held_once_sent(tmp_path: Path) -> None:
    bad = CSV_HEADER + "7001;Faktura;;2026-11-24;301;Stadsskogens OK;817605-2461;;Karta;BOCKER;10;249,00;999,00;;;\n"
    with invoice_fleet(tmp_path) as fleet:
        fleet.put("bokhandeln", "a.csv", bad)
        [stopped] = fleet.sync()["invoices"]["failures"]
        assert stopped["code"] == "KS503" or stopped["code"] == "KS504"
        fleet.put("bokhandeln", "b.csv", CSV_FIRST)  # the POS corrected 7001 before it was ever sent
        result = fleet.sync()["invoices"]
        assert (result["invoices"], result["failed"]) == (2, 0), result
        changed = CSV_FIRST.replace("10;249,00;2 490,00", "9;249,00;2 241,00")
        fleet.put("bokhandeln", "c.csv", changed)  # and now changes it after it was booked
        result = fleet.sync()["invoices"]
        [held] = result["attention"]
        assert held["code"] == "KS517" and "credit note" in held["hint"] and result["held"] == 1
        assert len(fleet.documents("invoices")) == 2
        status = fleet.run("status", "--store", "bokhandeln").output
        assert "KS517" in status


def test_a_dry_run_lists_what_would_be_sent_and_changes_nothing(tmp_path: Path) -> None:
    with invoice_fleet(tmp_path) as fleet:
        fleet.put("bokhandeln", "a.csv", CSV_FIRST)
        result = fleet.sync("bokhandeln", "--dry-run")["invoices"]
        assert result["state"] == "dry-run" and result["planned"] == 2
        assert [i["number"] for i in result["would_post"]] == ["7001", "7002"]
        text = fleet.run("sync", "--store", "bokhandeln", "--dry-run").output
        assert "invoice 7002 for Anna Lind (548.00 SEK, 1 till payment(s))" in text
        assert fleet.documents("invoices") == [] and (tmp_path / "inbox" / "bokhandeln" / "invoices" / "a.csv").exists()


def test_invoices_before_start_date_are_skipped_until_a_person_names_the_day(tmp_path: Path) -> None:
    with invoice_fleet(tmp_path, store_yaml().replace("start_date: 2026-01-01", "start_date: 2026-11-25")) as fleet:
        fleet.put("bokhandeln", "a.csv", CSV_FIRST)
        result = fleet.sync()["invoices"]
        assert result["invoices"] == 0 and any(n["code"] == "KS306" for n in result["notes"])
        assert fleet.documents("invoices") == []
        named = fleet.sync("bokhandeln", "--retry-failed", "--from", "2026-11-24")["invoices"]
        assert named["invoices"] == 2


def test_a_till_payment_of_an_invoice_not_read_waits_for_it(tmp_path: Path) -> None:
    payment = ('#FLAGGA 0\n#SIETYP 4\n#ORGNR 556377-9155\n'
               '#VER "B" "9" 20261126 "Faktnr: 7100"\n{\n#TRANS 1510 {} -200.00 "" "Faktnr: 7100"\n'
               '#TRANS 1910 {} 200.00 "" "Faktnr: 7100"\n}\n')
    section = SIE_SECTION + "  sie: {text_pattern: 'Faktnr: (?P<invoice>\\d+)'}\n"
    with invoice_fleet(tmp_path, store_yaml(section=section)) as fleet:
        fleet.put("bokhandeln", "betalning.si", payment)
        result = fleet.sync()["invoices"]
        [note] = [n for n in result["notes"] if n["code"] == "KS519"]
        assert "waits for the invoice" in note["message"] and result["state"] == "ok"
        status = fleet.run("status", "--store", "bokhandeln").output
        assert "KS519" in status
