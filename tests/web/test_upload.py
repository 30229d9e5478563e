"""PUT /upload/<store>/<file>: accepted files land settled in the inbox and are posted by the next sync;
wrong token, another store's path, an oversized body, another company's or a non-SIE file are refused."""
from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from click.testing import CliRunner
from web_helpers import (
    CLIENT_ID,
    CLIENT_SECRET,
    OTHER_ORG,
    SECRET,
    TODAY,
    WebHandle,
    day_file,
    running_web,
    sandbox_seed,
    write_store,
)

from pipeline.cli.main import cli
from pipeline.sandbox.testing import SandboxHandle, running_sandbox
from pipeline.web.upload import SETTLED_AGE_SECONDS, same_org_number

LIMIT = 4096


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[SandboxHandle, WebHandle]]:
    write_store(tmp_path / "stores", 1)
    write_store(tmp_path / "stores", 2)
    seed = sandbox_seed(tmp_path, [1, 2], consented=True)
    with running_sandbox(tmp_path / "sandbox", seed=seed, today=TODAY) as sandbox:
        with running_web(tmp_path, sandbox.env(), upload_limit=LIMIT) as web:
            yield sandbox, web


def put(web: WebHandle, store: str, name: str, body: bytes, token: str | None, **options: object) -> httpx2.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx2.put(f"{web.base_url}/upload/{store}/{name}", content=body, headers=headers, timeout=30,
                      **options)  # type: ignore[arg-type]


def test_a_good_file_lands_settled_and_the_next_sync_posts_it(served, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sandbox, web = served
    token = web.state.new_upload_token("cafe-001")
    body = day_file(1, TODAY.replace(day=27), 412)
    answer = put(web, "cafe-001", "Z412_20261127.se", body, token)
    assert answer.status_code == 201, answer.text
    doc = answer.json()
    assert doc["status"] == "received" and doc["business_dates"] == ["2026-11-27"]
    assert doc["org_number_matches"] is True and doc["total"] == "655.00"
    assert [z["number"] for z in doc["z_reports"]] == ["412"] and doc["z_reports"][0]["balanced"]
    landed = tmp_path / "inbox" / "cafe-001" / "Z412_20261127.se"
    assert landed.read_bytes() == body
    assert time.time() - landed.stat().st_mtime >= SETTLED_AGE_SECONDS - 60  # the runner needs no settle wait
    assert [p.name for p in landed.parent.iterdir()] == [landed.name]  # no temporary file left behind

    again = put(web, "cafe-001", "Z412_copy.se", body, token)
    assert again.status_code == 200 and again.json()["status"] == "already received"
    assert again.json()["received_as"] == "Z412_20261127.se"
    assert not (landed.parent / "Z412_copy.se").exists()

    env = {**sandbox.env(), "FORTNOX_CLIENT_ID": CLIENT_ID, "FORTNOX_CLIENT_SECRET": CLIENT_SECRET,
           "KASSASYNC_SECRET_KEY": SECRET}
    result = CliRunner().invoke(cli, ["--stores", str(tmp_path / "stores"), "--inbox", str(tmp_path / "inbox"),
                                      "--state-dir", str(tmp_path / "state"), "sync", "--store", "cafe-001",
                                      "--today", TODAY.isoformat()], env=env)
    assert result.exit_code == 0, result.output
    posted = sandbox.posted_vouchers(3000001)
    assert len(posted) == 1 and posted[0]["transaction_date"] == "2026-11-27"
    assert sum(float(r["Debit"]) for r in posted[0]["rows"]) == pytest.approx(655.00)


def test_refusals_carry_their_status(served) -> None:  # type: ignore[no-untyped-def]
    _sandbox, web = served
    token = web.state.new_upload_token("cafe-001")
    good = day_file(1, TODAY, 413)

    wrong = put(web, "cafe-001", "Z413.se", good, "ksu_not-a-token")
    assert wrong.status_code == 401 and wrong.json()["code"] == "bad_token"
    assert put(web, "cafe-001", "Z413.se", good, None).status_code == 401
    other = put(web, "cafe-002", "Z413.se", day_file(2, TODAY, 413), token)
    assert other.status_code == 403 and "cafe-001" in other.json()["message"]

    big = put(web, "cafe-001", "Z413.se", good + b"\r\n" * LIMIT, token)
    assert big.status_code == 413 and big.json()["code"] == "too_large"
    streamed = put(web, "cafe-001", "Z413.se", iter([b"#FLAGGA 0\r\n" * 200] * 4), token)  # no Content-Length
    assert streamed.status_code == 413

    foreign = put(web, "cafe-001", "Z413.se", day_file(1, TODAY, 413, org=OTHER_ORG), token)
    assert foreign.status_code == 422 and foreign.json()["code"] == "other_company"
    assert OTHER_ORG in foreign.json()["message"]
    not_sie = put(web, "cafe-001", "Z413.se", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\nnot a day file\n", token)
    assert not_sie.status_code == 422 and not_sie.json()["code"] == "not_sie"
    bad_name = put(web, "cafe-001", "report.pdf", good, token)
    assert bad_name.status_code == 422 and bad_name.json()["code"] == "bad_name"
    assert not (web.config.settings.inbox_dir / "cafe-001").exists()  # nothing refused was written

    renewed = web.state.new_upload_token("cafe-001")  # a new token revokes the old
    assert put(web, "cafe-001", "Z413.se", good, token).status_code == 401
    assert put(web, "cafe-001", "Z413.se", good, renewed).status_code == 201


def test_without_orgnr_the_file_is_taken_and_the_answer_says_so(served) -> None:  # type: ignore[no-untyped-def]
    _sandbox, web = served
    token = web.state.new_upload_token("cafe-002")
    answer = put(web, "cafe-002", "Z9.si", day_file(2, TODAY, 9, org=None), token)
    assert answer.status_code == 201 and answer.json()["org_number_matches"] is None


def test_org_numbers_compare_by_their_digits() -> None:
    assert same_org_number("556677-8899", "5566778899") is True
    assert same_org_number("16556677-8899", "556677-8899") is True
    assert same_org_number("556677-8898", "556677-8899") is False
    assert same_org_number("", "556677-8899") is None


def test_the_sh_script_uploads_a_folder_once(served, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _sandbox, web = served
    env = {**os.environ, "KASSASYNC_PUBLIC_URL": web.base_url, "KASSASYNC_SECRET_KEY": SECRET}
    common = ["--stores", str(tmp_path / "stores"), "--state-dir", str(tmp_path / "state")]
    script = CliRunner().invoke(cli, [*common, "onboard", "till-script", "--store", "cafe-001", "--format", "sh"],
                                env=env)
    assert script.exit_code == 0, script.output
    issued = CliRunner().invoke(cli, [*common, "onboard", "upload-token", "--store", "cafe-001"], env=env)
    assert issued.exit_code == 0, issued.output
    till = tmp_path / "till"
    till.mkdir()
    (till / "kassasync-upload.sh").write_text(script.stdout, encoding="utf-8")
    (till / "kassasync-upload-token.txt").write_text(issued.stdout.splitlines()[0] + "\n", encoding="utf-8")
    export = tmp_path / "export åäö"
    export.mkdir()
    for n, day in enumerate((24, 25, 26)):
        (export / f"Z{500 + n} dag {day}.SE").write_bytes(day_file(1, TODAY.replace(day=day), 500 + n))
    (export / "notes.txt").write_text("not a day file", encoding="utf-8")

    first = subprocess.run(["sh", str(till / "kassasync-upload.sh"), str(export)], capture_output=True, text=True,
                           timeout=120, check=False)
    assert first.returncode == 0, first.stdout + first.stderr
    inbox = web.config.settings.inbox_dir / "cafe-001"
    assert sorted(p.name for p in inbox.iterdir()) == ["Z500 dag 24.SE", "Z501 dag 25.SE", "Z502 dag 26.SE"]
    assert first.stdout.count("sent ") == 3 and "HTTP 201" in first.stdout
    second = subprocess.run(["sh", str(till / "kassasync-upload.sh"), str(export)], capture_output=True, text=True,
                            timeout=120, check=False)
    assert second.returncode == 0 and "sent " not in second.stdout  # nothing sent twice
    log = (till / "kassasync-upload.log").read_text(encoding="utf-8")
    assert log.count("sent ") == 3
