"""Each rule on a store file it has never seen: one edit of an example store, the right id, file and line."""
from __future__ import annotations

from pathlib import Path

import pytest
from config_helpers import edit, line_of

from pipeline.config import load_store, load_stores, validate_paths
from pipeline.config.rules import RULES

HAM, SJO, KART = "hamnens-delikatesser.yaml", "sjobodens-krog.yaml", "kartbutiken-uppsala.yaml"

# (file, old text, new text, rule, text on the expected line (in the new file))
CASES = [
    ("ks110-undeclared", SJO, "  3360: Försäljning sprit\n", "", "KS110", "SPRIT:"),
    ("ks111-vat-vs-rate", SJO, "OL: {revenue: 3340, vat_account: 2610", "OL: {revenue: 3340, vat_account: 2620",
     "KS111", "OL:"),
    ("ks111-after-mapping", HAM, "rules:\n", "account_map:\n  2610: 2621\n\nrules:\n", "KS111", "PRESENT:"),
    ("ks111-zero-rate-with-account", KART, "vat_account: 2610, vat_rate: 25", "vat_account: 2610, vat_rate: 0",
     "KS111", "OVRIGT:"),
    ("ks112-revenue-class", KART, "OVRIGT: {revenue: 3001", "OVRIGT: {revenue: 1930", "KS112", "OVRIGT:"),
    ("ks113-payment-class", KART, "Kontant: 1910", "Kontant: 3740", "KS113", "Kontant:"),
    ("ks114-double-booking", KART, "include_invoiced_in_account_report: false",
     "include_invoiced_in_account_report: true", "KS114", "invoice_sync:"),
    ("ks115-overlap", HAM, "{from: 2026-04-01, until: 2027-12-31, revenue: 3210",
     "{from: 2026-03-30, until: 2027-12-31, revenue: 3210", "KS115", "from: 2026-03-30"),
    ("ks115-gap", HAM, "{from: 2026-04-01, until: 2027-12-31, revenue: 3210",
     "{from: 2026-04-05, until: 2027-12-31, revenue: 3210", "KS115", "from: 2026-04-05"),
    ("ks115-before-start", KART, "BOCKER: {revenue: 3003", "BOCKER: {from: 2026-10-01, revenue: 3003",
     "KS115", "BOCKER:"),
    ("ks116-file-name", KART, "store: kartbutiken-uppsala", "store: kartbutiken-upsala", "KS116", "store:"),
    ("ks118-unknown-variable", KART, "{{ count }} Z-rapporter", "{{ antal }} Z-rapporter", "KS118", "description:"),
    ("ks118-unknown-store-attribute", KART, "{{ store.name }}", "{{ store.namn }}", "KS118", "description:"),
    ("ks118-too-long", KART, "Dagsrapport {{ date }}", "Dagsrapport " + "x" * 190 + " {{ date }}", "KS118",
     "description:"),
    ("ks118-loop", KART, "({{ count }} Z-rapporter)", "{% for i in range(99) %}{{ i }}{% endfor %}", "KS118",
     "description:"),
    ("ks118-syntax", KART, "({{ count }} Z-rapporter)", "({{ count }", "KS118", "description:"),
    ("ks119-secret-key", KART, "  voucher_series: F\n", "  voucher_series: F\n  client_secret: hemligt\n",
     "KS119", "client_secret:"),
    ("ks119-token-value", KART, "name: Kartbutiken i Uppsala AB",
     "name: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc", "KS119", "name:"),
    ("ks120-org-number", KART, '"556377-9155"', '"556377-9156"', "KS120", "org_number:"),
    ("ks121-chained-map", HAM, "rules:\n", "account_map:\n  2611: 2621\n\nrules:\n", "KS121", "2611: 2621"),
    ("ks123-unknown-rule", KART, "disable: []", "disable: [KS999]", "KS123", "disable:"),
    ("ks105-tenant-not-text", SJO, 'tenant_id: "1000102"', "tenant_id: 1000102", "KS105", "tenant_id:"),
    ("ks105-typo", SJO, "  voucher_series: F", "  voucher_serie: F", "KS105", "voucher_serie:"),
    ("ks105-not-a-date", KART, "start_date: 2026-09-01", "start_date: 2026-13-01", "KS105", "start_date:"),
    ("ks105-not-a-real-date", KART, "start_date: 2026-09-01", "start_date: 2026-02-30", "KS105", "start_date:"),
    ("ks105-wrong-type", KART, "BOCKER: {revenue: 3003, vat_account: 2630, vat_rate: 6}", "BOCKER: [3003, 2630]",
     "KS105", "BOCKER:"),
    ("ks105-account-digits", KART, "Kontant: 1910", "Kontant: 191", "KS105", "Kontant:"),
    ("ks106-missing-profile", SJO, "extends: kassa-standard", "extends: kassa-standart", "KS106", "extends:"),
    ("ks103-duplicate", KART, "  1910: Kassa\n", "  1910: Kassa\n  '1910': Kontanter\n", "KS103", "'1910'"),
]


@pytest.mark.parametrize(("file", "old", "new", "rule", "needle"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_rule_finds_the_mistake_on_the_right_line(stores: Path, file: str, old: str, new: str, rule: str,
                                                  needle: str) -> None:
    path = edit(stores / file, old, new)
    diags = validate_paths([path])
    hits = [d for d in diags if d.rule == rule]
    assert hits, [d.render() for d in diags]
    assert any(d.location.path.endswith(file) and d.location.line == line_of(path, needle) for d in hits), \
        [d.render() for d in diags]
    assert all(d.message and d.hint for d in diags)


def test_the_examples_are_clean(stores: Path) -> None:
    configs, diags = load_stores(stores)
    assert diags == []
    assert sorted(configs) == ["hamnens-delikatesser", "kartbutiken-uppsala", "sjobodens-krog"]


def test_duplicate_tenant_is_reported_in_both_files(stores: Path) -> None:
    edit(stores / SJO, 'tenant_id: "1000102"', 'tenant_id: "1000101"')
    configs, diags = load_stores(stores)
    hits = [d for d in diags if d.rule == "KS117"]
    assert {Path(d.location.path).name for d in hits} == {SJO, HAM}
    assert "sjobodens-krog" not in configs and "hamnens-delikatesser" not in configs
    # Validating one file still compares it with its neighbours (the pre-commit hook passes single files).
    assert [d.rule for d in validate_paths([stores / SJO])] == ["KS117"]


def test_rules_disable_switches_a_rule_off(stores: Path) -> None:
    path = stores / KART
    edit(path, "include_invoiced_in_account_report: false", "include_invoiced_in_account_report: true")
    assert [d.rule for d in validate_paths([path])] == ["KS114"]
    edit(path, "disable: []", "disable: [KS114]")
    config, diags = load_store(path)
    assert diags == [] and config is not None and config.include_invoiced_in_account_report


def test_double_booking_message_says_what_and_how_to_fix(stores: Path) -> None:
    path = edit(stores / KART, "include_invoiced_in_account_report: false", "include_invoiced_in_account_report: true")
    (diag,) = validate_paths([path])
    assert "double-booked" in diag.message and "invoiced" in diag.message
    assert "untick" in (diag.hint or "") and "include_invoiced_in_account_report: false" in (diag.hint or "")


def test_a_profile_mistake_points_into_the_profile(stores: Path) -> None:
    profile = stores / "_profiles" / "kassa-standard.yaml"
    edit(profile, "Kontant: 1910", "Kontant: 1911")
    diags = validate_paths([stores])
    hits = [d for d in diags if d.rule == "KS110"]
    assert hits and all(d.location.path.endswith("_profiles/kassa-standard.yaml") for d in hits)
    assert {d.location.line for d in hits} == {line_of(profile, "Kontant: 1911")}
    assert len(hits) == 1, "one finding, not one per store that extends the profile"
    # Passing the profile itself validates the stores that use it.
    assert [d.rule for d in validate_paths([profile])] == ["KS110"]


def test_profile_cannot_set_store_facts(stores: Path) -> None:
    profile = stores / "_profiles" / "kassa-standard.yaml"
    edit(profile, "fortnox:\n  voucher_series: F\n", "fortnox:\n  voucher_series: F\n  tenant_id: \"1\"\n")
    diags = validate_paths([stores / HAM])
    assert [d.rule for d in diags] == ["KS106"] and diags[0].location.path.endswith("kassa-standard.yaml")


def test_many_mistakes_are_all_reported_in_one_run(stores: Path) -> None:
    path = stores / KART
    edit(path, 'tenant_id: "1000103"', "tenant_id: 1000103")
    edit(path, "Kontant: 1910", "Kontant: 3740")
    edit(path, "include_invoiced_in_account_report: false", "include_invoiced_in_account_report: true")
    edit(path, "{{ count }} Z-rapporter", "{{ antal }} Z-rapporter")
    assert sorted(d.rule for d in validate_paths([path])) == ["KS105", "KS113", "KS114", "KS118"]


def test_every_rule_has_a_title_and_hint() -> None:
    assert len(RULES) >= 10
    for rule_id, rule in RULES.items():
        assert rule_id.startswith("KS1") and len(rule_id) == 5 and rule.title and rule.hint


def test_codes_stay_text_and_accounts_may_be_quoted(stores: Path) -> None:
    path = edit(stores / SJO, "cost_center: SJOB", "cost_center: 0123")
    edit(path, "MAT: {revenue: 3210,", 'MAT: {revenue: "3210",')
    config, diags = load_store(path)
    assert diags == [] and config is not None
    assert config.cost_center == "0123" and config.article_groups["MAT"][0].revenue == 3210


def test_the_reference_lists_every_rule_id() -> None:
    import re

    from config_helpers import ROOT

    used = set()
    # the config rules, and the invoice stream's (KS130-KS137), which pipeline/config/invoice_rules.py registers
    for source in [*(ROOT / "pipeline" / "config").glob("*.py"), ROOT / "pipeline" / "invoices" / "rules.py"]:
        used |= set(re.findall(r'"(KS1\d\d)"', source.read_text(encoding="utf-8")))
    documented = set(re.findall(r"^\| (KS1\d\d) \|", (ROOT / "docs" / "config.md").read_text(
        encoding="utf-8"), re.M))
    assert used and used == documented


def test_a_yml_file_is_not_silently_ignored(stores: Path) -> None:
    (stores / "ny-butik.yml").write_text("version: 1\n", encoding="utf-8")
    diags = validate_paths([stores])
    assert [(d.rule, d.severity.value) for d in diags] == [("KS108", "warning")]


def test_a_broken_profile_is_reported_once_without_missing_key_noise(stores: Path) -> None:
    edit(stores / "_profiles" / "kassa-standard.yaml", "rounding_account: 3740", "rounding_account: [3740")
    diags = validate_paths([stores])
    assert {d.rule for d in diags} == {"KS102"}
    assert all(d.location.path.endswith("kassa-standard.yaml") for d in diags)


def test_an_unknown_key_in_a_row_does_not_hide_the_rows_other_mistakes(stores: Path) -> None:
    path = edit(stores / SJO, "OL: {revenue: 3340, vat_account: 2610, vat_rate: 25}",
                "OL: {revenue: 3340, vat_account: 2620, vat_rate: 25, moms: 25}")
    diags = validate_paths([path])
    assert sorted(d.rule for d in diags) == ["KS105", "KS111"]
    assert {d.location.line for d in diags} == {line_of(path, "OL:")}


def test_a_profile_no_store_uses_is_checked_too(stores: Path) -> None:
    (stores / "_profiles" / "kiosk.yaml").write_text("version: 1\nfortnox:\n  voucher_serie: F\n", encoding="utf-8")
    diags = validate_paths([stores])
    assert [(d.rule, d.location.line) for d in diags] == [("KS105", 3)]
    assert diags[0].location.path.endswith("_profiles/kiosk.yaml")


def test_worker_processes_give_the_same_result(stores: Path) -> None:
    from pipeline.config.batch import load_many
    from pipeline.config.load import cross_file_rules, store_files

    edit(stores / SJO, 'tenant_id: "1000102"', 'tenant_id: "1000101"')
    edit(stores / KART, "Kontant: 1910", "Kontant: 3740")
    results = []
    for parallel_min in (10_000, 1):
        loaded = load_many(store_files(stores), parallel_min=parallel_min)
        cross_file_rules(loaded)
        results.append([(item.display, item.config is None, item.diagnostics) for item in loaded])
    assert results[0] == results[1]
    assert {d.rule for _, _, diags in results[1] for d in diags} == {"KS113", "KS117"}


@pytest.mark.parametrize(("old", "new", "hint_words"), [
    ("vat_rate: 6}", 'vat_rate: "6"}', "without quotes"),
    ("invoice_sync: true", "invoice_sync: yes", "true or false"),
    ('tenant_id: "1000103"', "tenant_id: 1000103", 'in quotes: "1000103"'),
    ("voucher_series: F", "voucher_serie: F", "did you mean `voucher_series`"),
])
def test_schema_hints_say_how_to_write_it(stores: Path, old: str, new: str, hint_words: str) -> None:
    path = edit(stores / KART, old, new)
    diags = [d for d in validate_paths([path]) if d.rule == "KS105"]
    assert any(hint_words in (d.hint or "") for d in diags), [d.render() for d in diags]
