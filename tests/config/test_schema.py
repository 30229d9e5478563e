"""The store schema (package data; schemas/store.schema.json is its copy): a valid draft-07 schema that documents every key and accepts DESIGN.md's example."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from config_helpers import FIXTURES, ROOT, STORES

from pipeline.config.load import load_one
from pipeline.config.schema import check_schema, schema_text
from pipeline.config.yamlload import load_yaml_file

SCHEMA = json.loads(schema_text())
PACKAGED = ROOT / "pipeline" / "config" / "store.schema.json"
EDITOR_COPY = ROOT / "schemas" / "store.schema.json"
EXAMPLE = FIXTURES / "design" / "ovningskund-centrum.yaml"
DESIGN_MD = ROOT.parent / "shared" / "DESIGN.md"


def _objects(node: Any, path: str = "#") -> list[tuple[str, dict[str, Any]]]:
    found = []
    if isinstance(node, dict):
        if node.get("type") == "object":
            found.append((path, node))
        for key, value in node.items():
            found.extend(_objects(value, f"{path}/{key}"))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.extend(_objects(value, f"{path}/{i}"))
    return found


def test_schema_is_valid_draft_07() -> None:
    assert SCHEMA["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(SCHEMA)


def test_every_property_has_a_description_and_objects_are_closed() -> None:
    objects = _objects(SCHEMA)
    assert len(objects) >= 5
    for path, obj in objects:
        assert "additionalProperties" in obj, path
        if "properties" in obj:
            assert obj["additionalProperties"] is False, path
        for name, prop in obj.get("properties", {}).items():
            assert prop.get("description"), f"{path}/properties/{name} has no description"


def test_design_example_validates_with_every_key() -> None:
    doc, diags = load_yaml_file(EXAMPLE)
    assert doc is not None and diags == []
    assert check_schema(doc) == []
    # DESIGN.md leaves the invoice stream's section to the schema ("its exact keys are the invoice issue's to
    # settle"); an example store shows it (test_an_example_store_uses_the_invoices_section).
    assert set(doc) == set(SCHEMA["properties"]) - {"invoices"}, "the example should use every top-level key"
    loaded = load_one(EXAMPLE)
    assert loaded.diagnostics == [] and loaded.config is not None


def test_an_example_store_uses_the_invoices_section() -> None:
    loaded = load_one(STORES / "kartbutiken-uppsala.yaml")
    assert loaded.config is not None and loaded.config.invoices is not None
    assert loaded.config.invoices.adapter == "csv" and loaded.config.invoice_guard == "unticked"


def test_design_example_fixture_matches_design_md() -> None:
    if not DESIGN_MD.exists():
        pytest.skip("../shared/DESIGN.md is not here")
    block = re.search(r"## Store file, version 1\s+```yaml\n(.*?)```", DESIGN_MD.read_text(encoding="utf-8"), re.S)
    assert block is not None
    ours = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    assert yaml.safe_load(block.group(1)) == ours
    # And it validates against the schema as an editor would see it (keys as text, dates as text).
    as_json = json.loads(json.dumps(yaml.load(block.group(1), Loader=yaml.BaseLoader)))
    errors = [e for e in jsonschema.Draft7Validator(SCHEMA).iter_errors(as_json)
              if e.validator not in ("anyOf", "type", "enum", "const")]  # BaseLoader turns 1 into "1"
    assert errors == []


def test_example_stores_validate_with_check_jsonschema_semantics() -> None:
    validator = jsonschema.Draft7Validator(SCHEMA)
    for path in sorted(STORES.glob("*.yaml")) + sorted((STORES / "_profiles").glob("*.yaml")):
        doc, _ = load_yaml_file(path)
        assert doc is not None
        assert list(validator.iter_errors(doc)) == [], path.name


def test_every_example_store_has_the_schema_line() -> None:
    for path in sorted(STORES.glob("*.yaml")):
        assert path.read_text(encoding="utf-8").startswith(
            "# yaml-language-server: $schema=../../schemas/store.schema.json\n"), path.name
        assert (path.parent / "../../schemas/store.schema.json").resolve() == EDITOR_COPY
    for path in sorted((STORES / "_profiles").glob("*.yaml")):
        assert "$schema=../../../schemas/store.schema.json" in path.read_text(encoding="utf-8"), path.name


def test_schema_text_is_the_packaged_file() -> None:
    assert schema_text() == PACKAGED.read_text(encoding="utf-8")


def test_the_editors_copy_equals_the_packaged_schema() -> None:
    # After a merge that edited schemas/store.schema.json, move that edit into the packaged file and run
    # `make schema`: the packaged file is the one the program reads.
    assert EDITOR_COPY.read_text(encoding="utf-8") == PACKAGED.read_text(encoding="utf-8"), (
        "schemas/store.schema.json is a copy of pipeline/config/store.schema.json: edit the packaged file, "
        "then run `make schema`")


def test_the_inbox_keys_reach_the_store_config(tmp_path: Path) -> None:
    """DESIGN.md's `corrections:` and `inbox: settle_seconds:`, and `pos.require_orgnr`, as the runner reads them."""
    loaded = load_one(EXAMPLE)
    assert loaded.config is not None
    assert (loaded.config.corrections, loaded.config.settle_seconds, loaded.config.require_orgnr) == ("hold", 120,
                                                                                                    False)
    strict = tmp_path / "ovningskund-centrum.yaml"
    text = EXAMPLE.read_text(encoding="utf-8").replace("corrections: hold", "corrections: post")
    text = text.replace("settle_seconds: 120", "settle_seconds: 0")
    text = text.replace("invoiced_sales_accounts: [1512]", "invoiced_sales_accounts: [1512]\n  require_orgnr: true")
    strict.write_text(text, encoding="utf-8")
    (tmp_path / "_profiles").mkdir()
    for profile in (EXAMPLE.parent / "_profiles").iterdir():
        (tmp_path / "_profiles" / profile.name).write_bytes(profile.read_bytes())
    loaded = load_one(strict)
    assert loaded.config is not None, loaded.diagnostics
    assert (loaded.config.corrections, loaded.config.settle_seconds, loaded.config.require_orgnr) == ("post", 0, True)
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("corrections: post", "corrections: later"), encoding="utf-8")
    assert check_schema(load_yaml_file(bad)[0]) != []
