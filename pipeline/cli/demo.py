"""`kassasync demo`: the whole job end to end on the embedded default, locally, against the sandbox.

Starts the sandbox seeded from the example stores with some drift, then runs the same commands an operator
would (validate, plan, apply, sync, status, report) as separate processes, so each step's output and
exit code are exactly what the command gives on its own.

The examples (stores, day files, a re-exported day) are examples/ in the repository; a wheel carries the same
files as the package data pipeline/examples (see `examples_dir`). The demo copies them into its working
directory, so it never reads or changes a user's stores/ or inbox/.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline.config import load_stores
from pipeline.config.model import StoreConfig
from pipeline.errors import UserError

if TYPE_CHECKING:
    from pipeline.sandbox.testing import SandboxHandle

DEMO_SECRET_KEY = "kassasync-demo-only-secret-key"  # encrypts the demo's own token store, never real tokens
MARKER = ".kassasync-demo"



@dataclass(frozen=True)
class Step:
    title: str
    args: list[str]
    expected: frozenset[int]  # exit codes that mean the step did what it should
    drop_corrections: bool = False  # first copy examples/corrections/ into the inbox (a re-exported day)
    book_by_hand: bool = False  # first book a voucher by hand in one store's Fortnox (the sandbox's admin endpoint)


# Commands that take the demo's date with the hidden --today option (the others do not depend on the date).
DATED_COMMANDS = frozenset({"plan", "apply", "doctor", "sync", "status", "report", "reconcile"})

STEPS = [
    Step("Validate every store file (what CI runs on a pull request)", ["validate"], frozenset({0})),
    Step("Plan: each store's YAML against its live Fortnox (the sandbox, seeded with drift)",
         ["plan", "--all", "--detailed-exitcode"], frozenset({2})),
    Step("Apply the plan (what the merge to main runs)", ["apply", "--all", "--yes", "--force"], frozenset({0})),
    Step("Plan again: nothing left to change", ["plan", "--all", "--detailed-exitcode"], frozenset({0})),
    Step("Doctor: the preparation checklist, checked live", ["doctor", "--all"], frozenset({0, 1})),
    Step("Sync the inbox: every Z-report posted once (one day has a mapping error on purpose), and "
         "kartbutiken-uppsala's invoices from the till: an invoice, a credit note and a till payment",
         ["sync", "--all"], frozenset({0, 1})),
    Step("Sync again: nothing is posted twice", ["sync", "--all"], frozenset({0, 1})),
    Step("Status of kartbutiken-uppsala: its day reports and its invoices, each booked once",
         ["status", "--store", "kartbutiken-uppsala"], frozenset({0})),
    Step("The POS exports the failed day again, with 6 % food VAT: the corrected day is posted",
         ["sync", "--all"], frozenset({0}), drop_corrections=True),
    Step("Status per store", ["status"], frozenset({0})),
]


def register(group: click.Group) -> None:
    group.add_command(demo)


@click.command()
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("demo-out"), show_default=True,
              help="Working directory for the demo's inbox copy, state, sandbox data and HTML report.")
@click.option("--examples", "examples", type=click.Path(path_type=Path, exists=True, file_okay=False),
              default=None, help="Folder with stores/, inbox/ and corrections/ to run on (default: the examples "
                                 "that come with kassasync).")
def demo(out_dir: Path, examples: Path | None) -> None:
    """Run the whole product locally: sandbox, validate, plan, apply, sync, status, report."""
    from pipeline.sandbox.seed import dump_seed, seed_from_stores
    from pipeline.sandbox.testing import running_sandbox

    started = time.monotonic()
    examples = examples or examples_dir()
    out_dir = _fresh_dir(out_dir)
    stores_dir, inbox = out_dir / "stores", out_dir / "inbox"
    shutil.copytree(examples / "stores", stores_dir)
    shutil.copytree(examples / "inbox", inbox)
    corrections = examples / "corrections"
    configs, _ = load_stores(stores_dir)  # validate (step 1) shows the diagnostics
    if not configs:
        raise UserError(f"no valid store files in {examples / 'stores'}", "run `kassasync validate` on it to see why")
    today = _demo_today(inbox)
    _written_last_night([*inbox.glob("*/*"), *inbox.glob("*/invoices/*")])
    seed_path = out_dir / "sandbox-seed.yaml"
    seed = seed_from_stores(list(configs.values()), drift=True, today=today)
    seed_path.write_text(dump_seed(seed), encoding="utf-8")
    click.secho(f"kassasync demo: {len(configs)} stores and their day files from {_shown(examples)}/ (copied to "
                f"{_shown(out_dir)}/); the demo's today is {today}, the day after the newest sample day file",
                bold=True)

    with running_sandbox(out_dir / "sandbox", seed_path, today=today) as sandbox:
        click.echo(f"sandbox Fortnox listening on {sandbox.base_url} (seed: {_shown(seed_path)})")
        env = {**os.environ, **sandbox.env(), "KASSASYNC_HOME": str(out_dir / "state"),
               "KASSASYNC_SECRET_KEY": DEMO_SECRET_KEY}
        env.pop("KASSASYNC_DATABASE_URL", None)
        base = [sys.executable, "-m", "pipeline", "--stores", _shown(stores_dir), "--inbox", _shown(inbox)]
        first = sorted(configs)[0]
        steps = [STEPS[0], Step(f"The POS settings sheet for {first} (replaces the technician's preparation call)",
                                ["pos-sheet", "--store", first, "--date", today.isoformat()], frozenset({0})),
                 *STEPS[1:],
                 Step("Write the HTML status page", ["report", "--out", _shown(out_dir / "report")], frozenset({0})),
                 Step("Month-end: does Fortnox equal the till, to the öre, in every store? (2: only vouchers booked "
                      "by hand differ)", ["reconcile", "--all", "--month", f"{today:%Y-%m}", "--detailed-exitcode"],
                      frozenset({2}), book_by_hand=True)]
        surprises = []
        for number, step in enumerate(steps, start=1):
            click.secho(f"\n== {number}/{len(steps)} {step.title}", bold=True)
            if step.drop_corrections and corrections.is_dir():
                for path in sorted(corrections.glob("*/*")):
                    shutil.copy2(path, inbox / path.parent.name / path.name)
                    _written_last_night([inbox / path.parent.name / path.name])
                    click.echo(f"(new file in the inbox: {path.parent.name}/{path.name})")
            if step.book_by_hand:
                _book_by_hand(sandbox, configs[sorted(configs)[-1]], today)
            click.secho("$ kassasync " + " ".join(step.args), fg="cyan")
            dated = ["--today", today.isoformat()] if step.args[0] in DATED_COMMANDS else []
            code = subprocess.run([*base, *step.args, *dated], env=env, check=False).returncode
            if code not in step.expected:
                surprises.append(f"step {number} (kassasync {' '.join(step.args)}) exited {code}")
        tenants = [c.tenant_id for c in configs.values() if c.tenant_id]
        posted = sum(1 for t in tenants for v in sandbox.posted_vouchers(t) if v["reference_type"] == "MANUAL")
        invoices = [i for t in tenants for i in sandbox.documents("invoices", t)]
        payments = sum(len(sandbox.documents("invoicepayments", t)) for t in tenants)
        customers = sum(len(sandbox.documents("customers", t)) for t in tenants)

    click.secho(f"\n== done in {time.monotonic() - started:.1f} s", bold=True)
    credits = sum(1 for i in invoices if i.get("Credit") == "true")
    click.echo(f"vouchers in the sandbox: {posted}; customer invoices: {len(invoices) - credits} and {credits} "
               f"credit invoice(s), each booked once; till payments: {payments}; customers: {customers}; status "
               f"page: {_shown(out_dir / 'report' / 'index.html')}")
    if surprises:
        raise UserError("the demo did not go as expected: " + "; ".join(surprises),
                        f"see the output above and the debug log in {out_dir / 'state' / 'logs'}")


def _book_by_hand(sandbox: SandboxHandle, config: StoreConfig, today: date) -> None:
    """Someone books a cash difference by hand in the store's Fortnox, in the series kassasync posts to: the
    month-end reconciliation finds it and lists it apart."""
    day = today - timedelta(days=4)
    sandbox.book_by_hand(config.tenant_id or "", {
        "VoucherSeries": config.voucher_series, "TransactionDate": day.isoformat(),
        "Description": f"Kassadifferens {day}", "VoucherRows": [{"Account": 3740, "Debit": 20.0},
                                                                {"Account": 1910, "Credit": 20.0}]})
    click.echo(f"(someone books a voucher by hand in {config.store}'s Fortnox, series {config.voucher_series}: "
               f"Kassadifferens {day}, 20.00 from 1910 Kassa to 3740)")


def _written_last_night(paths: Iterable[Path]) -> None:
    """The demo's day files as the tills left them: finished hours ago, so they have settled (the runner reads a
    file only once it has been unchanged for inbox.settle_seconds; a fresh checkout's files are minutes old)."""
    settled = time.time() - 6 * 3600
    for path in paths:
        os.utime(path, (settled, settled))


def examples_dir() -> Path:
    """The example stores and day files: the wheel's package data, else examples/ of the source checkout.

    A wheel installs them as pipeline/examples; an editable install (`make`) runs from the checkout, where
    they are examples/ beside the package.
    """
    packaged = resources.files("pipeline").joinpath("examples")
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "examples"
    if checkout.is_dir():
        return checkout
    raise UserError("the example stores and day files are not installed",
                    "reinstall kassasync, or pass --examples DIR (a folder with stores/, inbox/ and corrections/)")


def _shown(path: Path) -> str:
    """A path as the demo prints it: relative to the working directory when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _demo_today(inbox_source: Path) -> date:
    """The day after the newest business date in the sample files, so the demo tells the same story on any
    real date (no sample day is "in the future", none long "missing")."""
    from pipeline.sie import read_sie

    days = [voucher.date for path in sorted(inbox_source.glob("*/*")) if path.is_file()
            for voucher in read_sie(path).vouchers]
    if not days:
        raise UserError(f"no vouchers in the sample day files under {inbox_source}",
                        "point --inbox-source at a folder of <store>/<day file> SIE files")
    return max(days) + timedelta(days=1)


def _fresh_dir(out_dir: Path) -> Path:
    """An empty working directory; only a directory an earlier demo made is ever removed."""
    if out_dir.exists():
        if not (out_dir / MARKER).exists():
            raise UserError(f"{out_dir} exists and was not made by the demo",
                            "pass --out with a new directory, or remove it yourself")
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    (out_dir / MARKER).write_text("made by kassasync demo; removed by the next demo run\n", encoding="utf-8")
    return out_dir.resolve()
