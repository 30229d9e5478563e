"""`kassasync onboard`: invitation links, upload tokens, the till's script and the reseller's password hash."""
from __future__ import annotations

import click

from pipeline.cli.context import app_context
from pipeline.errors import UserError


def _web_state():  # type: ignore[no-untyped-def]
    from pipeline.web.state import WebState

    settings = app_context().settings
    if settings.database_url is None:
        settings.state_dir.mkdir(parents=True, exist_ok=True)
    return WebState.open(settings.ledger_url)


def _store(store_id: str):  # type: ignore[no-untyped-def]
    """The store's config; every onboarding command needs a valid store file (name, org number)."""
    from pipeline.config import load_store

    settings = app_context().settings
    path = settings.stores_dir / f"{store_id}.yaml"
    if not path.is_file():
        raise UserError(f"no store file {path}", f"check the id, or pass --stores DIR (known files are in "
                        f"{settings.stores_dir})")
    config, diagnostics = load_store(path)
    if config is None:
        first = next((d.render() for d in diagnostics if d.is_error), "")
        raise UserError(f"{path} has errors: {first}", f"run `kassasync validate {path}` and fix them first")
    return config


def _public_url() -> str:
    import os

    from pipeline.web.config import DEFAULT_HOST, DEFAULT_PORT

    return (os.environ.get("KASSASYNC_PUBLIC_URL") or f"http://{DEFAULT_HOST}:{DEFAULT_PORT}").rstrip("/")


def _secret_key() -> str:
    from pipeline.fortnox.tokenstore import KEY_HINT

    key = app_context().settings.secret_key
    if not key:
        raise UserError("invitations are signed with KASSASYNC_SECRET_KEY, and it is not set", KEY_HINT)
    return key


@click.group("onboard")
def onboard_group() -> None:
    """Send a store its onboarding link, and set up its till's uploads."""


@onboard_group.command("invite")
@click.option("--store", "store_id", required=True, help="The store id (its file name without .yaml).")
@click.option("--expires", default="7d", show_default=True, help="How long the link works: 30m, 12h, 7d, 2w.")
def invite(store_id: str, expires: str) -> None:
    """Print a signed onboarding link for one store (served by `kassasync serve` at KASSASYNC_PUBLIC_URL)."""
    from pipeline.web.invitations import issue, link, parse_duration

    config = _store(store_id)
    valid_for = parse_duration(expires)
    invitation, token = issue(_secret_key(), config.store, valid_for)
    state = _web_state()
    try:
        state.record_invitation(invitation.id, config.store, invitation.expires_at)
    finally:
        state.close()
    click.echo(link(_public_url(), token))
    click.echo(f"invitation {invitation.id} for {config.name} ({config.org_number}), valid until "
               f"{invitation.expires_at:%Y-%m-%d %H:%M} UTC; `kassasync onboard revoke --invitation "
               f"{invitation.id}` withdraws it", err=True)


@onboard_group.command("revoke")
@click.option("--invitation", "invitation_ids", multiple=True, metavar="ID", help="An invitation id (repeatable).")
@click.option("--store", "store_id", default=None, help="Every open invitation of this store.")
def revoke(invitation_ids: tuple[str, ...], store_id: str | None) -> None:
    """Withdraw invitation links: they stop working at once."""
    if not invitation_ids and not store_id:
        raise UserError("say which invitations to revoke", "add --invitation ID or --store ID")
    state = _web_state()
    try:
        ids = list(invitation_ids) + (state.open_invitations(store_id) if store_id else [])
        state.revoke(ids, "revoked with `kassasync onboard revoke`")
    finally:
        state.close()
    click.echo(f"revoked {len(ids)} invitation(s)" + (f": {', '.join(ids)}" if ids else ""))


@onboard_group.command("upload-token")
@click.option("--store", "store_id", required=True, help="The store id.")
def upload_token(store_id: str) -> None:
    """Print a new upload token for the store's till, once; the store's previous token stops working."""
    config = _store(store_id)
    state = _web_state()
    try:
        token = state.new_upload_token(config.store)
    finally:
        state.close()
    click.echo(token)
    click.echo(f"save it as kassasync-upload-token.txt beside the till's script (`kassasync onboard till-script "
               f"--store {config.store}`); it is not shown again", err=True)


@onboard_group.command("till-script")
@click.option("--store", "store_id", required=True, help="The store id.")
@click.option("--format", "fmt", type=click.Choice(["powershell", "sh"]), default="powershell", show_default=True,
              help="powershell for the POS's Windows PC (a scheduled task), sh for Linux or macOS.")
def till_script(store_id: str, fmt: str) -> None:
    """Print the till's upload script: it holds the store's upload address and reads the token from a file."""
    from pipeline.web.tillscript import render_script

    config = _store(store_id)
    click.echo(render_script(fmt, _public_url(), config.store, config.name), nl=False)


@onboard_group.command("password-hash")
@click.password_option(prompt="Reseller password", help="Read from a prompt when not given.")
def password_hash(password: str) -> None:
    """Print the hash of the reseller's password, for KASSASYNC_ADMIN_PASSWORD_HASH."""
    from pipeline.web.passwords import hash_password

    if len(password) < 12:
        raise UserError("the password is shorter than 12 characters", "choose a longer one (a passphrase is fine)")
    click.echo(hash_password(password))


def register(group: click.Group) -> None:
    group.add_command(onboard_group)
