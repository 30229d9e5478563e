"""Seeds: built from StoreConfig (matching and drifted), YAML round trip, errors that name the problem."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sandbox_helpers import TODAY, run, token

from pipeline.config.model import ArticleGroupRow, StoreConfig
from pipeline.sandbox.seed import SeedError, dump_seed, load_seed, normalise_seed, seed_from_stores

REPO = Path(__file__).resolve().parents[2]


def store(**changes: Any) -> StoreConfig:
    values: dict[str, Any] = dict(
        store="testbutik", name="Testbutik AB", org_number="556677-1234", start_date=date(2026, 1, 1),
        voucher_series="F", tenant_id="1000200", cost_center="TEST",
        accounts={1910: "Kassa", 1932: "Kortinbetalningar", 3210: "Mat", 2611: "Utgående moms 25 %"},
        account_map={2610: 2611},
        article_groups={"MAT": (ArticleGroupRow(revenue=3210, vat_account=2610, vat_rate=Decimal(25)),)},
        payment_methods={"Kort": 1932, "Kontant": 1910}, rounding_account=3740,
    )
    values.update(changes)
    return StoreConfig(**values)


def tenant_view(app: Any, tenant: str) -> dict[str, Any]:
    async def scenario(client: Any) -> Any:
        headers = await token(client, tenant)
        years = (await client.get("/3/financialyears", headers=headers)).json()["FinancialYears"]
        current = next(y["Id"] for y in years if y["FromDate"] == "2026-01-01")
        accounts = (await client.get(f"/3/accounts?financialyear={current}&limit=500", headers=headers)).json()
        series = (await client.get(f"/3/voucherseries?financialyear={current}", headers=headers)).json()
        info = (await client.get("/3/companyinformation", headers=headers)).json()["CompanyInformation"]
        centers = (await client.get("/3/costcenters", headers=headers)).json()["CostCenters"]
        return {"years": [y["FromDate"] for y in years],
                "accounts": {a["Number"]: a for a in accounts["Accounts"]},
                "series": {s["Code"]: s["Manual"] for s in series["VoucherSeriesCollection"]},
                "info": info, "centers": [c["Code"] for c in centers]}

    return run(app, scenario)  # type: ignore[no-any-return]


def test_seed_from_stores_matches_the_store(make_app: Any) -> None:
    app = make_app(seed_from_stores([store()], today=TODAY))
    view = tenant_view(app, "1000200")
    assert view["years"] == ["2025-01-01", "2026-01-01", "2027-01-01"]
    assert view["info"]["CompanyName"] == "Testbutik AB" and view["info"]["OrganizationNumber"] == "556677-1234"
    assert view["info"]["DatabaseNumber"] == 1000200
    for number in (1910, 1932, 3210, 2611, 3740):  # the store's accounts and the mapped POS accounts
        assert view["accounts"][number]["Active"] is True, number
    assert view["accounts"][1932]["Description"] == "Kortinbetalningar"
    assert view["series"]["F"] is True and view["centers"] == ["TEST"]
    settings = {n: a["CostCenterSettings"] for n, a in view["accounts"].items()}
    assert settings[2611] == "NOTALLOWED" and settings[1932] == settings[3210] == "ALLOWED"  # VAT takes none


def test_seed_with_drift(make_app: Any) -> None:
    app = make_app(seed_from_stores([store()], drift=True, today=TODAY))
    view = tenant_view(app, "1000200")
    assert view["years"] == ["2025-01-01", "2026-01-01"]  # no next financial year
    assert view["accounts"][1910]["Active"] is False  # one of the store's accounts deactivated
    assert view["series"]["F"] is False  # manual bookkeeping switched off
    assert view["accounts"][1932]["CostCenterSettings"] == "NOTALLOWED"  # the card account takes no cost center
    plain = tenant_view(make_app(seed_from_stores([store(tenant_id="1000201", cost_center=None)], drift=True,
                                                  today=TODAY)), "1000201")
    assert plain["accounts"][1932]["CostCenterSettings"] == "ALLOWED"  # a store without one: nothing to leave off


def test_seed_skips_stores_without_tenant_and_rejects_shared_tenant() -> None:
    seed = seed_from_stores([store(), store(store="utan", tenant_id=None)], today=TODAY)
    assert [t["tenant_id"] for t in seed["tenants"]] == ["1000200"]
    with pytest.raises(SeedError, match="share tenant id 1000200"):
        seed_from_stores([store(), store(store="annan")], today=TODAY)


def test_seed_yaml_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "seed.yaml"
    original = seed_from_stores([store()], today=TODAY)
    path.write_text(dump_seed(original), encoding="utf-8")
    loaded = load_seed(path)
    assert loaded == normalise_seed(original)
    assert loaded["tenants"][0]["accounts"][1932] == {"description": "Kortinbetalningar", "active": True}


@pytest.mark.parametrize("text, message", [
    ("tenants: [{company: {name: x}}]", "needs a tenant_id"),
    ("tenants: [{tenant_id: abc}]", "must be 1 to 18 digits"),
    ("tenants: [{tenant_id: 1, financial_years: [{from: 2026-01-01, to: 31/12}]}]", "write it as YYYY-MM-DD"),
    ("tenants: [{tenant_id: 1, accounts: {123: Kassa}}]", "four digits"),
    ("version: 2", "version"),
    ("tenants: [", "not valid YAML"),
])
def test_bad_seed_files_say_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "seed.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SeedError, match=message) as error:
        load_seed(path)
    assert str(path) in str(error.value)


def test_hand_written_seed_with_per_year_overrides(make_app: Any, tmp_path: Path) -> None:
    path = tmp_path / "seed.yaml"
    path.write_text("""
version: 1
tenants:
  - tenant_id: "1000300"
    company: {name: Handskriven AB, organization_number: "556000-0001"}
    chart: bas
    accounts: {1910: Kassa}
    voucher_series: [{code: F, description: Kassa, manual: true}]
    financial_years:
      - {from: 2025-01-01, to: 2025-12-31, voucher_series: [{code: F, manual: false}]}
      - {from: 2026-01-01, to: 2026-12-31, accounts: {3210: {description: Mat, active: false}}}
    locked_period: 2025-12-31
    consents: [{client_id: kassasync-demo}]
""", encoding="utf-8")
    app = make_app(path)
    view = tenant_view(app, "1000300")
    assert view["accounts"][3210]["Active"] is False and view["series"] == {"F": True}


def test_example_stores_seed(make_app: Any) -> None:
    from pipeline import config

    configs, _ = config.load_stores(REPO / "examples" / "stores")
    assert len(configs) == 3
    seed = seed_from_stores(list(configs.values()), today=TODAY)
    app = make_app(seed)
    for tenant in seed["tenants"]:
        view = tenant_view(app, tenant["tenant_id"])
        store_config = configs[tenant["store"]]
        assert view["info"]["OrganizationNumber"] == store_config.org_number
        for number in store_config.accounts:
            assert view["accounts"][number]["Active"] is True
        assert view["series"][store_config.voucher_series] is True
