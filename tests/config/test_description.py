"""The voucher description template: sandboxed, known variables only, 200 characters at most."""
from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from config_helpers import STORES

from pipeline.config import load_store, render_voucher_description
from pipeline.config.description import DescriptionError, check_template, longest_rendering
from pipeline.config.model import StoreConfig


def store(template: str = "Dagskassa {{ date }} {{ store.name }}", **changes: object) -> StoreConfig:
    config, diags = load_store(STORES / "sjobodens-krog.yaml")
    assert config is not None, diags
    return dataclasses.replace(config, voucher_description=template, **changes)  # type: ignore[arg-type]


def test_renders_every_known_variable() -> None:
    config = store("{{ date }}|{{ store.store }}|{{ store.name }}|{{ store.org_number }}|{{ store.cost_center }}|"
                   "{{ z_report }}|{{ voucher_text }}|{{ count }}")
    text = render_voucher_description(config, business_date=date(2026, 6, 3), z_report="64",
                                      voucher_text=" nr. 64", count=2)
    assert text == "2026-06-03|sjobodens-krog|Sjöbodens Krog i Lysekil AB|559104-2683|SJOB|64| nr. 64|2"


def test_example_store_description() -> None:
    text = render_voucher_description(store("Dagskassa {{ date }} {{ store.name }} Z {{ z_report }}"),
                                      business_date=date(2026, 6, 3), z_report="64")
    assert text == "Dagskassa 2026-06-03 Sjöbodens Krog i Lysekil AB Z 64"


def test_missing_cost_center_is_empty_text_and_whitespace_collapses() -> None:
    text = render_voucher_description(store("A  {{ store.cost_center }}\n B", cost_center=None),
                                      business_date=date(2026, 6, 3))
    assert text == "A B"


def test_filters_and_conditions_are_allowed() -> None:
    config = store("{{ store.name | upper | truncate(12) }}{% if count > 1 %} ({{ count }}){% endif %}")
    assert render_voucher_description(config, business_date=date(2026, 1, 1), count=3) == "SJÖBODENS... (3)"


@pytest.mark.parametrize(("template", "words"), [
    ("{{ datum }}", "unknown variable `datum`"),
    ("{{ store.password }}", "unknown variable `store.password`"),
    ("{% for i in range(9) %}x{% endfor %}", "`For`"),
    ("{{ store.name.__class__ }}", "unknown variable"),
    ("{{ 'x' * 1000000000 }}", "`Mul`"),
    ("{{ 'x' | center(100000000) }}", "filter `center`"),
    ("{{ date.upper() }}", "`Call`"),
    ("{{ date ", "does not compile"),
    ("{{ 99999999999 }}", "larger than"),
])
def test_unsafe_or_unknown_templates_are_refused(template: str, words: str) -> None:
    with pytest.raises(DescriptionError) as caught:
        check_template(template)
    assert words in str(caught.value)


def test_longest_rendering_uses_long_runner_values() -> None:
    config = store("{{ voucher_text }} {{ z_report }} {{ count }}")
    assert len(longest_rendering(config)) == 50 + 1 + 20 + 1 + 3


def test_runtime_cut_at_200_characters() -> None:
    text = render_voucher_description(store("{{ voucher_text }}"), business_date=date(2026, 1, 1),
                                      voucher_text="y" * 500)
    assert len(text) == 200
