"""A lost, emptied or broken ledger never posts a Z-report twice: day files put back into the inbox end with one
voucher per Z-report in the sandbox, whatever happened to the ledger in between (issue 12)."""
from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from fleet_builder import Expected, write_fleet

from pipeline.cli.main import cli, main
from pipeline.cli.sync import run_sync
from pipeline.config import load_stores
from pipeline.config.model import StoreConfig
from pipeline.runner.store_sync import SyncOptions
from pipeline.sandbox.seed import seed_from_stores
from pipeline.sandbox.testing import SandboxHandle, running_sandbox
from pipeline.settings import Settings

TODAY = date(2026, 11, 28)


class Fleet:
    """Stores and day files in tmp_path, a sandbox seeded from them, and runs of `sync` in this process."""

    def __init__(self, root: Path, sandbox: SandboxHandle, expected: Expected) -> None:
        self.root, self.sandbox, self.expected = root, sandbox, expected
        self.settings = Settings.from_env(stores_dir=root / "stores", inbox_dir=root / "inbox",
                                          state_dir=root / "state", env={**os.environ, **sandbox.env()})

    @property
    def ledger_file(self) -> Path:
        return self.root / "state" / "ledger.sqlite3"

    def cli(self, *args: str) -> None:
        """The kassasync command as a user runs it (exit codes through SystemExit)."""
        with pytest.MonkeyPatch.context() as patch:
            for name, value in self.sandbox.env().items():
                patch.setenv(name, value)
            main(self.global_options() + [*args, "--today", TODAY.isoformat()])

    def cli_result(self, *args: str) -> Result:
        return CliRunner().invoke(cli, self.global_options() + [*args, "--today", TODAY.isoformat()],
                                  env=self.sandbox.env())

    def global_options(self) -> list[str]:
        return ["--stores", str(self.root / "stores"), "--inbox", str(self.root / "inbox"), "--state-dir",
                str(self.root / "state")]

    def configs(self) -> list[StoreConfig]:
        return configs_of(self.root)

    def sync(self, **options: Any) -> Any:
        return run_sync(self.settings, self.configs(), SyncOptions(today=TODAY, **options), concurrency=4,
                        show_progress=False)

    def put_back(self) -> int:
        """Every archived day file back into its store's inbox, as a person restoring files would."""
        moved = 0
        for path in sorted((self.root / "inbox" / "archive").rglob("*.se")):
            store = path.relative_to(self.root / "inbox" / "archive").parts[0]
            shutil.move(path, self.root / "inbox" / store / path.name)
            moved += 1
        return moved

    def lose_ledger(self, how: str) -> None:
        for extra in ("-wal", "-shm"):
            Path(f"{self.ledger_file}{extra}").unlink(missing_ok=True)
        if how == "deleted":
            self.ledger_file.unlink()
        elif how == "truncated":
            self.ledger_file.write_bytes(b"")
        elif how == "garbage":
            self.ledger_file.write_bytes(os.urandom(3000))
        else:
            raise ValueError(how)

    def vouchers_in_fortnox(self) -> dict[str, list[str]]:
        """Per tenant, the descriptions of every voucher posted (a duplicate shows up twice)."""
        return {tenant: sorted(v["description"] for v in self.sandbox.posted_vouchers(tenant))
                for tenant in self.expected}

    def assert_exactly_once(self) -> None:
        assert self.vouchers_in_fortnox() == {t: sorted(want) for t, want in self.expected.items()}
        markers = [v["comments"].split()[0] for t in self.expected for v in self.sandbox.posted_vouchers(t)]
        assert len(markers) == len(set(markers)), "a marker is in Fortnox twice"


def configs_of(root: Path) -> list[StoreConfig]:
    configs, diagnostics = load_stores(root / "stores")
    assert not [d for d in diagnostics if d.is_error]
    return [configs[s] for s in sorted(configs)]


def open_fleet(tmp_path: Path, stores: int = 2, vouchers: int = 3, tenant_base: int = 3400000,
               **faults: Any) -> tuple[Any, Expected]:
    expected = write_fleet(tmp_path, stores=stores, vouchers_per_store=vouchers, per_file=1,
                           first_day=date(2026, 11, 20), tenant_base=tenant_base)
    seed = seed_from_stores(configs_of(tmp_path), today=TODAY)
    return running_sandbox(tmp_path / "sandbox", seed=seed, rate_limit=0, fault_seed=5, **faults), expected


def test_a_deleted_ledger_costs_look_ups_never_a_second_voucher(tmp_path: Path) -> None:
    sandbox_context, expected = open_fleet(tmp_path)
    with sandbox_context as sandbox:
        fleet = Fleet(tmp_path, sandbox, expected)
        first = fleet.sync()
        assert first.ok and first.totals()["posted"] == 6
        fleet.lose_ledger("deleted")
        assert fleet.put_back() == 6
        again = fleet.sync()
        assert again.ok, again.totals()
        assert again.totals()["posted"] == 6 and again.totals()["found"] == 6  # all found, none posted
        fleet.assert_exactly_once()
        assert not list((tmp_path / "inbox").glob("cafe-*/*.se"))  # archived again


def test_a_lost_answer_without_comments_in_the_list_is_found_by_reading_the_voucher(tmp_path: Path) -> None:
    sandbox_context, expected = open_fleet(tmp_path, stores=1, vouchers=2, tenant_base=3410000,
                                           list_without_comments=True, drop_after_commit_rate=1.0)
    with sandbox_context as sandbox:
        fleet = Fleet(tmp_path, sandbox, expected)
        summary = fleet.sync()
        assert summary.ok, summary.totals()
        assert summary.totals()["found"] == 2
        fleet.assert_exactly_once()


@pytest.mark.parametrize("how", ["truncated", "garbage"])
def test_a_broken_ledger_stops_the_run_until_it_is_rebuilt(tmp_path: Path, how: str,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    sandbox_context, expected = open_fleet(tmp_path, tenant_base=3420000 + 100 * len(how))
    with sandbox_context as sandbox:
        fleet = Fleet(tmp_path, sandbox, expected)
        assert fleet.sync().ok
        fleet.lose_ledger(how)
        fleet.put_back()
        broken = fleet.ledger_file.read_bytes()
        with pytest.raises(SystemExit) as stopped:
            fleet.cli("sync", "--all")
        assert stopped.value.code == 1
        err = capsys.readouterr().err
        assert f"error: the ledger {fleet.ledger_file} is broken: " in err
        assert "Run `kassasync ledger rebuild`" in err
        assert fleet.ledger_file.read_bytes() == broken  # left as it was: not taken for a new ledger
        fleet.assert_exactly_once()  # nothing was posted

        rebuilt = fleet.cli_result("ledger", "rebuild")
        assert rebuilt.exit_code == 0, rebuilt.output
        assert "moved it aside to" in rebuilt.output
        assert "cafe-000: 3 voucher(s) with kassasync's marker in Fortnox from 2026-01-01 to 2026-11-28; 3 recorded " \
               "anew (3 the ledger did not know, 0 it held otherwise); reconciled 2026-01-01 to 2026-11-28" \
               in rebuilt.output
        assert [p.read_bytes() for p in tmp_path.glob("state/ledger.sqlite3.broken-*")] == [broken]

        clean = fleet.sync()
        assert clean.ok and clean.totals()["posted"] == 0 and clean.totals()["files_archived"] == 6, [(s.state, s.message) for s in clean.stores]
        fleet.assert_exactly_once()
        checked = fleet.cli_result("ledger", "check", "--from", "2026-11-01", "--to", "2026-11-28")
        assert checked.exit_code == 0, checked.output
        assert "cafe-001: the ledger and Fortnox agree (3 voucher(s)" in checked.output


def test_without_comments_in_the_list_lost_answers_and_a_lost_ledger_post_nothing_twice(tmp_path: Path) -> None:
    sandbox_context, expected = open_fleet(tmp_path, stores=4, vouchers=8, tenant_base=3430000,
                                           list_without_comments=True, drop_after_commit_rate=0.2)
    with sandbox_context as sandbox:
        fleet = Fleet(tmp_path, sandbox, expected)
        for _ in range(4):
            summary = fleet.sync()
            if summary.totals()["pending"] == summary.totals()["planned"] == 0:
                break
        assert summary.ok, summary.totals()
        fleet.assert_exactly_once()
        dropped = sum(v["dropped"] for t in expected for v in sandbox.posted_vouchers(t))
        assert dropped > 0  # the faults really happened
        operations = sandbox.admin("GET", "/requests")["operations"]
        assert operations["get_voucher"] == dropped  # read one by one: only the vouchers whose answer was lost

        fleet.lose_ledger("deleted")
        assert fleet.put_back() == 32
        sandbox.reset_request_counts()
        again = fleet.sync()
        assert again.ok and again.totals()["found"] == 32
        fleet.assert_exactly_once()
        operations = sandbox.admin("GET", "/requests")["operations"]
        # per store: its financial years, one list, each of its 8 vouchers read once; no POST
        assert operations == {"list_financial_years": 4, "sublist_vouchers": 4, "get_voucher": 32}


def test_ledger_check_lists_every_difference_and_rebuild_mends_them(tmp_path: Path) -> None:
    import sqlite3

    sandbox_context, expected = open_fleet(tmp_path, tenant_base=3440000)
    with sandbox_context as sandbox:
        fleet = Fleet(tmp_path, sandbox, expected)
        assert fleet.sync().ok
        with sqlite3.connect(fleet.ledger_file) as conn:
            conn.execute("DELETE FROM vouchers WHERE store = 'cafe-001' AND business_date = '2026-11-21'")
            conn.execute("UPDATE vouchers SET number = 7 WHERE store = 'cafe-001' AND business_date = '2026-11-22'")
        checked = fleet.cli_result("ledger", "check", "--store", "cafe-001", "--from", "2026-11-01", "--to",
                                   "2026-11-28")
        assert checked.exit_code == 1
        lines = checked.output.splitlines()
        assert lines[0] == "cafe-001: 2 difference(s) from 2026-11-01 to 2026-11-28"
        assert lines[1].startswith("  2026-11-21 cafe-001/2026-11-21/") and \
            lines[1].endswith(": in Fortnox as F 2 (year 2), not in the ledger")
        assert lines[2] == "      fix: run `kassasync ledger rebuild --store cafe-001 --from 2026-11-21`"
        assert lines[3].endswith(": the ledger says posted as F 7 (year 2), Fortnox has it as F 3 (year 2)")
        assert lines[-1] == "1 store(s): 2 difference(s)"
        rebuilt = fleet.cli_result("ledger", "rebuild", "--store", "cafe-001", "--from", "2026-11-01")
        assert rebuilt.exit_code == 0, rebuilt.output
        assert "3 voucher(s) with kassasync's marker in Fortnox from 2026-11-01 to 2026-11-28; 2 recorded anew " \
               "(1 the ledger did not know, 1 it held otherwise)" in rebuilt.output
        assert fleet.cli_result("ledger", "check", "--from", "2026-11-01", "--to", "2026-11-28").exit_code == 0


def test_ledger_commands_say_what_is_wrong(tmp_path: Path) -> None:
    write_fleet(tmp_path, stores=2, vouchers_per_store=1)
    options = ["--stores", str(tmp_path / "stores"), "--inbox", str(tmp_path / "inbox"), "--state-dir",
               str(tmp_path / "state")]
    swapped = CliRunner().invoke(cli, [*options, "ledger", "check", "--from", "2026-11-28", "--to", "2026-11-01"])
    assert swapped.exit_code == 1 and "--from 2026-11-28 is after --to 2026-11-01" in str(swapped.exception)
    unknown = CliRunner().invoke(cli, [*options, "ledger", "rebuild", "--store", "nope"])
    assert unknown.exit_code == 1 and "no store file for nope" in str(unknown.exception)
    no_credentials = CliRunner().invoke(cli, [*options, "ledger", "rebuild", "--today", TODAY.isoformat()],
                                        env={"FORTNOX_CLIENT_ID": "", "FORTNOX_CLIENT_SECRET": ""})
    assert no_credentials.exit_code == 1
    assert "cafe-000: not rebuilt: store cafe-000: no Fortnox client credentials are configured" in \
        no_credentials.output
    assert "0 of 2 store(s) rebuilt from Fortnox" in no_credentials.output
