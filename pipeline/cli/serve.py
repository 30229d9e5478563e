"""`kassasync serve`: the web app (onboarding links, the customer's checklist, fleet views, till uploads)."""
from __future__ import annotations

from datetime import datetime

import click

from pipeline.cli.context import app_context, today_option
from pipeline.web.config import DEFAULT_HOST, DEFAULT_PORT


@click.command("serve")
@click.option("--host", default=DEFAULT_HOST, show_default=True,
              help="Address to listen on; loopback by default (put a TLS proxy in front to reach it from outside).")
@click.option("--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True)
@today_option
def serve_command(host: str, port: int, today: datetime | None) -> None:
    """Serve onboarding links, the customer's checklist, the reseller's fleet views and till uploads.

    Needs KASSASYNC_SECRET_KEY, FORTNOX_CLIENT_ID and FORTNOX_CLIENT_SECRET; KASSASYNC_PUBLIC_URL is the address
    customers and tills use (default http://HOST:PORT); KASSASYNC_ADMIN_PASSWORD_HASH turns on the fleet views.
    """
    import uvicorn

    from pipeline.fortnox.factory import client_endpoint
    from pipeline.web.app import create_app
    from pipeline.web.config import WebConfig

    settings = app_context().settings
    config = WebConfig.from_env(settings, host=host, port=port)
    client_endpoint(settings, None)  # says what to set when the integration's id or secret is missing
    app = create_app(config, today=(lambda: today.date()) if today else None)
    click.echo(f"kassasync serve on http://{host}:{port}/ (links use {config.public_url}); Ctrl-C stops it", err=True)
    if not config.admin_password_hash:
        click.echo("note: KASSASYNC_ADMIN_PASSWORD_HASH is not set, so /fleet is closed; make one with "
                   "`kassasync onboard password-hash`", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=True)


def register(group: click.Group) -> None:
    group.add_command(serve_command)
