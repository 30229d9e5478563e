"""`kassasync sandbox serve|seed`: run the local Fortnox sandbox, or write a seed file from the store files."""
from __future__ import annotations

import ipaddress
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from pipeline.cli.context import app_context
from pipeline.errors import UserError


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _fault_options(func: Any) -> Any:
    options = [
        click.option("--latency-ms", type=float, default=0.0, show_default=True, help="Delay added to every request."),
        click.option("--jitter-ms", type=float, default=0.0, show_default=True,
                     help="Plus a random delay between 0 and this."),
        click.option("--error-rate", type=click.FloatRange(0, 1), default=0.0, show_default=True,
                     help="Share of /3 requests answered 500 or 503."),
        click.option("--html-error-rate", type=click.FloatRange(0, 1), default=0.0, show_default=True,
                     help="Share of /3 requests answered with an HTML error page."),
        click.option("--drop-after-commit-rate", type=click.FloatRange(0, 1), default=0.0, show_default=True,
                     help="Share of voucher posts that are saved and then lose the connection."),
        click.option("--list-without-comments", is_flag=True,
                     help="Voucher lists leave out Comments, as Fortnox's older documentation shows them."),
        click.option("--token-outage", is_flag=True, help="The token endpoint answers 503 (an outage)."),
        click.option("--token-error-rate", type=click.FloatRange(0, 1), default=0.0, show_default=True,
                     help="Share of token requests answered 503."),
        click.option("--rate-limit", type=click.IntRange(min=0), default=25, show_default=True,
                     help="Requests per 5 s per client and tenant (Fortnox: 25); 0 switches the limit off."),
        click.option("--fault-seed", type=int, default=None, help="Seed for the fault dice (repeatable runs)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.group("sandbox")
def sandbox_group() -> None:
    """A local Fortnox API server for the demo, tests and dry runs (never the real Fortnox)."""


@sandbox_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback by default).")
@click.option("--port", type=int, default=8765, show_default=True)
@click.option("--data", "data_dir", type=click.Path(path_type=Path), default=None,
              help="Directory for the sandbox's SQLite state (default <state dir>/sandbox); survives restarts.")
@click.option("--seed", "seed_file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Seed file (YAML) with tenants; without it an empty sandbox gets the demo tenant 1000001.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Pretend today is this date (moves the sandbox's clock).")
@_fault_options
def serve(host: str, port: int, data_dir: Path | None, seed_file: Path | None, today: Any,
          fault_seed: int | None, **faults: Any) -> None:
    """Serve the sandbox: /3 (API), /oauth-v1 (auth) and /_sandbox (admin) on one port."""
    import uvicorn

    from pipeline.sandbox.app import create_app
    from pipeline.sandbox.seed import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID, SeedError

    settings = app_context().settings
    data_dir = data_dir or settings.state_dir / "sandbox"
    if seed_file is not None and not seed_file.is_file():
        raise UserError(f"seed file {seed_file} does not exist",
                        "write one with `kassasync sandbox seed --from stores/ --out FILE`")
    if not _is_loopback(host):
        click.echo(f"warning: binding {host}: the sandbox has no real security; keep it off shared networks",
                   err=True)
    try:
        app = create_app(data_dir, seed_file, today=today.date() if today else None, fault_seed=fault_seed,
                         **faults)
    except SeedError as exc:
        raise UserError(str(exc), "fix the seed file; its format is in docs/sandbox.md") from exc
    base = f"http://{host}:{port}"
    tenants = app.state.sandbox.db.query("SELECT tenant_id FROM tenants ORDER BY tenant_id")
    click.echo(f"Fortnox sandbox on {base} (data in {data_dir}), tenants: "
               f"{', '.join(str(t['tenant_id']) for t in tenants) or 'none'}")
    click.echo(f"  export FORTNOX_API_URL={base}/3 FORTNOX_AUTH_URL={base}/oauth-v1")
    click.echo(f"  export FORTNOX_CLIENT_ID={DEMO_CLIENT_ID} FORTNOX_CLIENT_SECRET={DEMO_CLIENT_SECRET}"
               f"   # demo tenant {DEMO_TENANT_ID}")
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, lifespan="off")
    except OSError as exc:
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror}", "choose another --port") from exc


@sandbox_group.command("seed")
@click.option("--from", "stores_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Directory of store files (default: the global --stores).")
@click.option("--drift", is_flag=True,
              help="Realistic drift: an inactive account, a series without manual bookkeeping, no next year.")
@click.option("--out", "out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Where to write the seed (default: standard output).")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="The date the financial years are built around (default today).")
def seed(stores_dir: Path | None, drift: bool, out: Path | None, today: Any) -> None:
    """Write a sandbox seed with one tenant per store (its fortnox.tenant_id), consented for the demo client."""
    from pipeline.config import load_stores
    from pipeline.sandbox.seed import dump_seed, seed_from_stores

    stores_dir = stores_dir or app_context().settings.stores_dir
    if not stores_dir.is_dir():
        raise UserError(f"store directory {stores_dir} does not exist", "pass --from DIR with your store files")
    configs, diagnostics = load_stores(stores_dir)
    errors = [d for d in diagnostics if d.is_error]
    if errors:
        for diag in errors:
            click.echo(diag.render(), err=True)
        raise UserError(f"{len(errors)} error(s) in the store files; the seed would not match them",
                        "fix them first (`kassasync validate`)")
    day: date | None = today.date() if today else None
    data = seed_from_stores(list(configs.values()), drift=drift, today=day)
    skipped = [c.store for c in configs.values() if not c.tenant_id]
    for store in skipped:
        click.echo(f"warning: store {store} has no fortnox.tenant_id; it gets no sandbox tenant", err=True)
    text = dump_seed(data)
    if out is None:
        sys.stdout.write(text)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    click.echo(f"wrote {out}: {len(data['tenants'])} tenant(s)"
               f"{' with drift' if drift else ''} ({', '.join(t['tenant_id'] for t in data['tenants'])})")


def register(group: click.Group) -> None:
    group.add_command(sandbox_group)
