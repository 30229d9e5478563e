"""The reseller's fleet page over N stores: the first reading (store files + ledger), then cached pages.

Prints figures, asserts nothing about time. `.venv/bin/python bench/web_fleet.py [--stores 2000]`
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import httpx2
import uvicorn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "runner"))  # the fleet builder the fault tests use

from fleet_builder import write_fleet  # noqa: E402

from pipeline.sandbox.testing import free_socket  # noqa: E402
from pipeline.settings import Settings  # noqa: E402
from pipeline.web.app import create_app  # noqa: E402
from pipeline.web.config import WebConfig  # noqa: E402
from pipeline.web.passwords import hash_password  # noqa: E402

TODAY = date(2026, 11, 28)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stores", type=int, default=2000)
    parser.add_argument("--pages", type=int, default=20, help="cached page loads to time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_fleet(root, args.stores, 1, per_file=1)
        (root / "state").mkdir()
        settings = Settings.from_env(stores_dir=root / "stores", inbox_dir=root / "inbox", state_dir=root / "state",
                                     env={"KASSASYNC_SECRET_KEY": "bench-key-bench-key-bench-key"})
        sock = free_socket()
        base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = WebConfig(settings=settings, public_url=base, secret_key="bench-key-bench-key-bench-key",
                           admin_password_hash=hash_password("bench password"), status_seconds=3600)
        app = create_app(config, today=lambda: TODAY)
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.01)
        try:
            with httpx2.Client(base_url=base, auth=("admin", "bench password"), timeout=300) as client:
                started = time.perf_counter()
                first = client.get("/fleet")
                first_s = time.perf_counter() - started
                timings = {}
                for name, params in (("page 1", {}), ("search by id", {"q": "cafe-1234"}),
                                     ("attention, by name, page 3", {"attention": "1", "sort": "name", "page": "3"})):
                    started = time.perf_counter()
                    for _ in range(args.pages):
                        answer = client.get("/fleet", params=params)
                        assert answer.status_code == 200
                    timings[name] = (time.perf_counter() - started) / args.pages
        finally:
            server.should_exit = True
            thread.join(timeout=30)
            app.state.web.state.close()
    print(f"fleet page, {args.stores} stores: first load (reads every store file and the ledger) "
          f"{first_s:.2f} s, HTTP {first.status_code}, {len(first.content) // 1024} KiB")
    for name, seconds in timings.items():
        print(f"  cached, {name}: {seconds * 1000:.0f} ms per page ({args.pages} loads)")


if __name__ == "__main__":
    main()
