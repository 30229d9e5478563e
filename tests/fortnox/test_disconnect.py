"""`kassasync disconnect`: the refresh token is revoked at Fortnox (the sandbox) before it is deleted here;
and a store id never becomes a path outside its folder."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from click.testing import CliRunner
from fortnox_helpers import SECRET_KEY, make_settings, sandbox_seed
from test_sandbox_flows import connect, env_for

from pipeline.cli.main import cli
from pipeline.errors import UserError
from pipeline.fortnox.tokenstore import TokenStore
from pipeline.sandbox.testing import SandboxHandle, running_sandbox
from pipeline.store_ids import checked_store_id


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[SandboxHandle]:
    with running_sandbox(tmp_path / "sandbox", sandbox_seed()) as handle:
        yield handle


def disconnect(handle: SandboxHandle, tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> object:
    return CliRunner().invoke(cli, ["--state-dir", str(tmp_path / "state"), "disconnect", *args],
                              env=env or env_for(handle, tmp_path))


def refresh(handle: SandboxHandle, token: str) -> httpx2.Response:
    return httpx2.post(f"{handle.auth_url}/token", auth=("kassasync-demo", "kassasync-demo-secret"),
                       data={"grant_type": "refresh_token", "refresh_token": token})


def connected(sandbox: SandboxHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[TokenStore, str]:
    """Store centrum connected with a refresh token: the token store and the saved refresh token."""
    assert connect(sandbox, tmp_path, monkeypatch).exit_code == 0
    tokens = TokenStore(tmp_path / "state" / "tokens", SECRET_KEY)
    saved = tokens.load("centrum")
    assert saved and saved.refresh_token
    return tokens, saved.refresh_token


def test_disconnect_revokes_at_fortnox_then_deletes_locally(sandbox: SandboxHandle, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    tokens, refresh_token = connected(sandbox, tmp_path, monkeypatch)
    result = disconnect(sandbox, tmp_path, "--store", "centrum")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "revoked at Fortnox" in result.output and "centrum.token" in result.output  # type: ignore[attr-defined]
    assert tokens.load("centrum") is None
    dead = refresh(sandbox, refresh_token)
    assert dead.status_code == 400 and dead.json()["error"] == "invalid_grant"
    again = disconnect(sandbox, tmp_path, "--store", "centrum")
    assert again.exit_code == 1 and "no saved Fortnox credentials" in str(again.exception)  # type: ignore[attr-defined]


def test_when_fortnox_cannot_be_reached_the_token_is_kept(sandbox: SandboxHandle, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    tokens, refresh_token = connected(sandbox, tmp_path, monkeypatch)
    sandbox.set_faults(token_outage=True)
    kept = disconnect(sandbox, tmp_path, "--store", "centrum")
    assert kept.exit_code == 1 and "not revoked and is kept" in str(kept.exception)  # type: ignore[attr-defined]
    assert tokens.load("centrum") is not None
    local = disconnect(sandbox, tmp_path, "--store", "centrum", "--local-only")
    assert local.exit_code == 0 and "NOT revoked" in local.output  # type: ignore[attr-defined]
    assert tokens.load("centrum") is None
    sandbox.set_faults(token_outage=False)
    assert refresh(sandbox, refresh_token).status_code == 200  # only Fortnox can end it


def test_a_service_account_has_nothing_to_revoke(sandbox: SandboxHandle, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    assert connect(sandbox, tmp_path, monkeypatch, "soder", "--service-account").exit_code == 0
    result = disconnect(sandbox, tmp_path, "--store", "soder")
    assert result.exit_code == 0 and "Hantera integrationer" in result.output  # type: ignore[attr-defined]
    assert TokenStore(tmp_path / "state" / "tokens", SECRET_KEY).load("soder") is None


@pytest.mark.parametrize("bad", ["../../x", "..", "a/b", "A", "x" * 61, "centrum.token", "", "-x", "a--b", "å"])
def test_store_ids_that_would_leave_their_folder_are_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(UserError) as refused:
        checked_store_id(bad)
    assert "is not a store id" in refused.value.message and "--store" in (refused.value.hint or "")
    with pytest.raises(UserError):
        TokenStore(tmp_path / "tokens", SECRET_KEY).path_for(bad)


@pytest.mark.parametrize("command", [["connect", "--store", "../../x", "--no-browser", "--timeout", "1"],
                                     ["disconnect", "--store", "../../x"],
                                     ["tokens", "refresh", "--store", "../../x"],
                                     ["pos-sheet", "--store", "../../x"]])
def test_commands_refuse_a_path_as_store_id_and_write_nothing(tmp_path: Path, command: list[str]) -> None:
    settings = make_settings(tmp_path)
    env = {"KASSASYNC_HOME": str(settings.state_dir), "KASSASYNC_SECRET_KEY": SECRET_KEY,
           "FORTNOX_CLIENT_ID": "kassasync-demo", "FORTNOX_CLIENT_SECRET": "kassasync-demo-secret"}
    before = set(tmp_path.parent.iterdir())
    result = CliRunner().invoke(cli, ["--stores", str(tmp_path / "stores"), *command], env=env)
    assert result.exit_code == 1
    assert "is not a store id" in result.output or "is not a store id" in str(result.exception)
    assert set(tmp_path.parent.iterdir()) == before and not (tmp_path / "x").exists()
