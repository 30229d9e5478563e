"""The edges plan reads: store selection through the config loader, first unposted day from the runner's ledger."""
from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from pipeline.errors import UserError
from pipeline.plan.inputs import first_unposted_days, select_stores
from pipeline.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def stores(tmp_path: Path) -> Path:
    target = tmp_path / "stores"
    shutil.copytree(ROOT / "examples" / "stores", target)
    return target


def test_select_by_id_and_all(stores: Path) -> None:
    assert [c.store for c in select_stores(stores, ["sjobodens-krog"], False)] == ["sjobodens-krog"]
    everything = [c.store for c in select_stores(stores, [], True)]
    assert everything == sorted(everything) and "sjobodens-krog" in everything


def test_unknown_store_names_the_known_ones(stores: Path) -> None:
    with pytest.raises(UserError) as caught:
        select_stores(stores, ["no-such-store"], False)
    assert "no-such-store" in caught.value.message and "sjobodens-krog" in (caught.value.hint or "")


def test_invalid_selected_store_stops_with_its_diagnostics(stores: Path) -> None:
    path = stores / "sjobodens-krog.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('voucher_series: F', 'voucher_series: [F]'),
                    encoding="utf-8")
    with pytest.raises(UserError) as caught:
        select_stores(stores, ["sjobodens-krog"], False)
    assert "sjobodens-krog.yaml" in caught.value.message and "validate" in (caught.value.hint or "")


def test_first_unposted_day_from_the_ledger(stores: Path, tmp_path: Path) -> None:
    from pipeline.ledger import Ledger, VoucherRecord

    configs = select_stores(stores, [], True)
    settings = Settings.from_env(state_dir=tmp_path / "state", env={})
    assert first_unposted_days(settings, configs) == {c.store: c.start_date for c in configs}  # no ledger yet
    (tmp_path / "state").mkdir()
    ledger = Ledger.open(settings.ledger_url)
    store = configs[0]
    ledger.add_vouchers([VoucherRecord(key="k1", store=store.store, business_date=date(2026, 10, 5),
                                       file_digest="d", ver_id="A:1", marker="m", source="[]", state="planned")],
                        None)
    ledger.mark_posted("k1", series="F", number=1, year=2)
    ledger.close()
    found = first_unposted_days(settings, configs)
    assert found[store.store] == max(store.start_date, date(2026, 10, 6))
    assert all(found[c.store] == c.start_date for c in configs[1:])
