"""A store, its day files, a sandbox seeded for it and a running web app, all under a test's tmp dir."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import uvicorn
from fleet_builder import STORE_YAML, org_number

from pipeline.config import load_store
from pipeline.sandbox.seed import seed_from_stores
from pipeline.sandbox.testing import free_socket
from pipeline.settings import Settings
from pipeline.web.app import create_app
from pipeline.web.config import WebConfig
from pipeline.web.passwords import hash_password

TODAY = date(2026, 11, 28)
NOW = datetime(2026, 11, 28, 12, 0, 0)
SECRET = "web-tests-secret-key-0123456789"
CLIENT_ID, CLIENT_SECRET = "kassasync-web", "kassasync-web-secret"
ADMIN_PASSWORD = "correct horse battery staple"
OTHER_TENANT, OTHER_ORG = "3999999", "556999-9990"


def write_store(stores: Path, index: int, *, tenant: bool = True) -> Path:
    """stores/cafe-NNN.yaml (the fleet builder's café); without `tenant` it is not connected yet."""
    stores.mkdir(parents=True, exist_ok=True)
    text = STORE_YAML.format(store=f"cafe-{index:03d}", number=index, org=org_number(index + 1),
                             tenant=str(3000000 + index))
    if not tenant:
        text = "\n".join(line for line in text.splitlines() if "tenant_id" not in line) + "\n"
    path = stores / f"cafe-{index:03d}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def day_file(index: int, day: date, number: int, *, org: str | None = "store", food: str = "530.00",
             drink: str = "125.00") -> bytes:
    """A one-Z-report SIE 4 day file of café `index` (its own #ORGNR unless `org` says another, or None)."""
    food_d, drink_d = Decimal(food), Decimal(drink)
    food_net, drink_net = (food_d / Decimal("1.06")).quantize(Decimal("0.01")), (drink_d / Decimal("1.25")).quantize(
        Decimal("0.01"))
    total = food_d + drink_d
    rows = [(1932, total), (2630, -(food_d - food_net)), (3010, -food_net), (2610, -(drink_d - drink_net)),
            (3020, -drink_net)]
    stamp = day.strftime("%Y%m%d")
    orgnr = org_number(index + 1) if org == "store" else org
    lines = ["#FLAGGA 0", "#FORMAT PC8", "#SIETYP 4", '#PROGRAM "ES Kassasystem" 7', f"#GEN {stamp}",
             f'#FNAMN "Café {index} AB"'] + ([f"#ORGNR {orgnr}"] if orgnr else []) + [
             f'#VER "" "{number}" {stamp} "Z {number}" {stamp}', "{"]
    lines += [f"\t#TRANS {account} {{}} {amount:.2f} {stamp}" for account, amount in rows]
    lines.append("}")
    return ("\r\n".join(lines) + "\r\n").encode("cp437")


def sandbox_seed(root: Path, indices: list[int], *, locked_through: str | None = None,
                 consented: bool = False) -> dict[str, Any]:
    """One sandbox tenant per café (as its store file reads once connected), the web client, another company."""
    configs = []
    for index in indices:
        config, diags = load_store(write_store(root / "seed-stores", index))
        assert config is not None, diags
        configs.append(config)
    seed = seed_from_stores(configs, today=TODAY)
    for tenant in seed["tenants"]:
        # the customer gives consent through the web app, unless the test starts from a connected store
        tenant["consents"] = [{"client_id": CLIENT_ID, "service_account": True}] if consented else []
        tenant["locked_period"] = locked_through
    seed["tenants"].append({"tenant_id": OTHER_TENANT, "company": {"name": "Fel Företag AB",
                            "organization_number": OTHER_ORG}, "chart": "bas",
                            "financial_years": [{"from": "2026-01-01", "to": "2026-12-31"}], "consents": []})
    seed["clients"].append({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uri": None,
                            "service_accounts": True})
    return seed


@dataclass
class WebHandle:
    base_url: str
    config: WebConfig
    app: Any

    @property
    def state(self) -> Any:
        return self.app.state.web.state


def web_config(root: Path, sandbox_env: dict[str, str], public_url: str, **changes: Any) -> WebConfig:
    settings = Settings.from_env(stores_dir=root / "stores", inbox_dir=root / "inbox", state_dir=root / "state",
                                 env={**sandbox_env, "FORTNOX_CLIENT_ID": CLIENT_ID,
                                      "FORTNOX_CLIENT_SECRET": CLIENT_SECRET, "KASSASYNC_SECRET_KEY": SECRET})
    (root / "state").mkdir(parents=True, exist_ok=True)
    values: dict[str, Any] = {"settings": settings, "public_url": public_url, "secret_key": SECRET,
                              "admin_password_hash": hash_password(ADMIN_PASSWORD), "status_seconds": 0.0}
    values.update(changes)
    return WebConfig(**values)


@contextmanager
def running_web(root: Path, sandbox_env: dict[str, str], **changes: Any) -> Iterator[WebHandle]:
    """`kassasync serve`'s app on a free loopback port in a thread, with today = TODAY, now = NOW."""
    sock = free_socket()
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    config = web_config(root, sandbox_env, base, **changes)
    app = create_app(config, today=lambda: TODAY, now=lambda: NOW)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    try:
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the web app did not start")
            time.sleep(0.01)
        yield WebHandle(base, config, app)
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()
        app.state.web.state.close()
