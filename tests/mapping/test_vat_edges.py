"""The VAT check's edges (KS304): tolerances to the öre, rate ranges, and what the message says."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from mapping_builders import deli_config

from pipeline.config.model import ArticleGroupRow, StoreConfig
from pipeline.mapping.vat import check_vat

DAY = date(2026, 6, 3)


def _amounts(**accounts: str) -> dict[int, Decimal]:
    return {int(name.removeprefix("a")): Decimal(value) for name, value in accounts.items()}


@pytest.mark.parametrize(("vat", "ok"), [("250.50", True), ("250.51", False), ("249.50", True), ("249.49", False)])
def test_relative_tolerance_is_two_per_mille_of_the_vat_inclusive(vat: str, ok: bool) -> None:
    # 1000.00 at 25 % is 250.00; 0.2 % of it, 0.50, is more than the 0.05 floor
    findings = check_vat(_amounts(a3340="-1000.00", a2610=f"-{vat}"), deli_config(), DAY)
    assert (findings == []) is ok


@pytest.mark.parametrize(("vat", "ok"), [("2.55", True), ("2.56", False), ("2.45", True), ("2.44", False)])
def test_absolute_tolerance_is_five_ore_inclusive(vat: str, ok: bool) -> None:
    findings = check_vat(_amounts(a3340="-10.00", a2610=f"-{vat}"), deli_config(), DAY)
    assert (findings == []) is ok


def _two_rates_on_one_revenue_account() -> StoreConfig:
    return replace(deli_config(), article_groups={
        "A": (ArticleGroupRow(3010, 2610, Decimal(25)),),
        "B": (ArticleGroupRow(3010, 2620, Decimal(12)),),
    })


@pytest.mark.parametrize(("vat", "ok"), [("120.00", True), ("250.00", True), ("185.00", True),
                                         ("119.49", False), ("250.51", False)])
def test_a_revenue_account_of_two_rates_may_carry_anything_between(vat: str, ok: bool) -> None:
    findings = check_vat(_amounts(a3010="-1000.00", a2610=f"-{vat}"), _two_rates_on_one_revenue_account(), DAY)
    assert (findings == []) is ok


def test_the_message_of_a_range_names_both_accounts_rates_and_groups() -> None:
    (finding,) = check_vat(_amounts(a3010="-1000.00", a2610="-300.00"), _two_rates_on_one_revenue_account(), DAY,
                           line=7)
    assert finding.rule == "KS304" and finding.line == 7
    assert finding.message == ("VAT on 2610, 2620 is 300.00 on 2026-06-03, but revenue 1000.00 on 3010 "
                               "(article group A/B, 12-25 %) should carry 120.00 to 250.00")


def test_a_vat_account_without_its_revenue_is_fine_when_empty() -> None:
    # OL's revenue account is absent from the file: its VAT account with nothing on it needs no revenue
    assert check_vat(_amounts(a2610="0.00", a3210="-100.00", a2630="-6.00"), deli_config(), DAY) == []


def test_every_revenue_account_of_a_component_is_listed_even_without_sales() -> None:
    config = replace(deli_config(), article_groups={
        "MAT": (ArticleGroupRow(3210, 2630, Decimal(6)),),
        "BROD": (ArticleGroupRow(3211, 2630, Decimal(6)),),
    })
    (finding,) = check_vat(_amounts(a3210="-100.00", a2630="-12.00"), config, DAY)
    assert finding.line == 0
    assert finding.message == ("VAT on 2630 is 12.00 on 2026-06-03, but revenue 100.00 on 3210 "
                               "(article group MAT, 6 %) and 0.00 on 3211 (article group BROD, 6 %) "
                               "should carry 6.00")


def test_revenue_without_a_vat_account_says_so() -> None:
    config = replace(deli_config(), article_groups={"X": (ArticleGroupRow(3010, None, Decimal(25)),)})
    (finding,) = check_vat(_amounts(a3010="-100.00"), config, DAY)
    assert finding.message.startswith("VAT on no VAT account is 0.00 on 2026-06-03, but revenue 100.00 on 3010")


def test_vat_booked_at_another_rate_is_named_with_the_rate_it_amounts_to() -> None:
    # Food (6 % from 2026-04-01, VAT account 2630) booked with 12 % VAT on 2620, where no group books VAT now
    (finding,) = check_vat(_amounts(a3210="-1000.00", a2620="-120.00"), deli_config(), DAY)
    assert finding.message == ("VAT on 2630 is 0.00 on 2026-06-03, but revenue 1000.00 on 3210 (article group "
                               "MAT, 6 %) should carry 60.00; the file books 120.00 VAT on 2620 instead, "
                               "12 % of that revenue")


def test_the_rate_it_amounts_to_counts_every_revenue_account_of_the_component() -> None:
    config = replace(deli_config(), article_groups={
        "MAT": deli_config().article_groups["MAT"],
        "BROD": (ArticleGroupRow(3211, 2630, Decimal(6)),),
    })
    (finding,) = check_vat(_amounts(a3210="-10.00", a2620="-1.20"), config, DAY)
    assert finding.message.endswith("; the file books 1.20 VAT on 2620 instead, 12 % of that revenue")


@pytest.mark.parametrize(("day", "food_hint"), [(date(2026, 3, 31), False), (date(2026, 4, 1), True)])
def test_the_food_vat_hint_starts_on_1_april_2026(day: date, food_hint: bool) -> None:
    (finding,) = check_vat(_amounts(a3340="-1000.00", a2610="-200.00"), deli_config(), day)
    assert finding.hint.startswith("food VAT is 6 % from 2026-04-01") is food_hint
    assert "correct article_groups in stores/deli.yaml" in finding.hint
