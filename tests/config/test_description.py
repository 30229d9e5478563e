"""The voucher description template: sandboxed, known variables only, 200 characters at most."""
from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

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


# Each `replace("", ten characters)` makes the text 11 times longer: eight of them would build a text of
# 10 ** 9 characters (the 450-character template took 13.8 s and 1.9 GB).
NESTED_REPLACE = "{{ date" + '|replace("", "xxxxxxxxxx")' * 8 + " }}"


def test_nested_replace_is_refused_when_validated() -> None:
    with pytest.raises(DescriptionError, match=r"`replace` would make a text of \d+ characters"):
        longest_rendering(store(NESTED_REPLACE))


def test_nested_replace_is_refused_when_rendered() -> None:
    # A template that passed validation with short runner values still cannot explode on long ones.
    template = '{{ voucher_text|replace("", voucher_text)|truncate(100) }}'
    assert render_voucher_description(store(template), business_date=date(2026, 6, 3), voucher_text="ab") == \
        "abaabbab"
    with pytest.raises(DescriptionError, match="limit 10000"):
        render_voucher_description(store(template), business_date=date(2026, 6, 3), voucher_text="x" * 200)


def test_replace_keeps_jinja_semantics_within_the_cap() -> None:
    config = store('{{ date|replace("-", "/") }} {{ date|replace("-", "", 1) }} {{ date|replace("", "|", 3) }}')
    assert render_voucher_description(config, business_date=date(2026, 6, 3)) == \
        "2026/06/03 202606-03 |2|0|26-06-03"


def test_a_replace_just_under_the_cap_renders_and_one_over_is_refused() -> None:
    from pipeline.config.description import MAX_INTERMEDIATE

    # 10 characters, "" replaced by n characters: 10 + 11 * n; n = 908 gives 9998, n = 909 gives 10009
    under = store('{{ date|replace("", "%s")|truncate(20) }}' % ("y" * 908))
    render_voucher_description(under, business_date=date(2026, 6, 3))
    over = store('{{ date|replace("", "%s")|truncate(20) }}' % ("y" * 909))
    with pytest.raises(DescriptionError, match=f"10009 characters \\(limit {MAX_INTERMEDIATE}\\)"):
        render_voucher_description(over, business_date=date(2026, 6, 3))


def test_a_template_longer_than_the_limit_is_refused() -> None:
    with pytest.raises(DescriptionError, match="the template is 2001 characters long"):
        check_template("x" * 2001)
    check_template("x" * 2000)


def test_validate_reports_the_nested_replace_as_ks118(stores: Path) -> None:
    path = stores / "kartbutiken-uppsala.yaml"
    text = path.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if "description:" in x)
    path.write_text(text.replace(line, f"  description: '{NESTED_REPLACE}'"), encoding="utf-8")
    config, diags = load_store(path)
    assert config is None
    assert [(d.rule, "`replace` would make a text" in d.message) for d in diags] == [("KS118", True)]
