"""The store file's JSON Schema (package data, store.schema.json): loaded and compiled once, errors as diagnostics."""
from __future__ import annotations

import difflib
import json
from functools import lru_cache
from importlib import resources
from typing import Any, NamedTuple

import fastjsonschema
import jsonschema

from pipeline.config.located import YDict, describe, locate
from pipeline.diagnostics import Diagnostic, Severity

# Package data, read through importlib.resources so that a wheel (and the published pre-commit hook) finds it.
# schemas/store.schema.json at the top of the repository is a copy for editors: `make schema` writes it.
SCHEMA_RESOURCE = "store.schema.json"
RULE = "KS105"
# Keys a complete store needs after its profile is merged in (the schema itself only requires
# `version`, so a profile or a store that leaves things to its profile still validates in the editor).
COMPLETE_STORE_KEYS = ("store", "name", "org_number", "start_date", "fortnox", "article_groups",
                       "payment_methods", "accounts")

class Finding(NamedTuple):
    """A schema violation: where the bad value is, the diagnostic, and whether only that key is bad."""

    path: tuple[Any, ...]
    diagnostic: Diagnostic
    key_only: bool = False  # an unknown or malformed key: leaving out the key leaves the rest usable
_TYPE_WORDS = {"string": "text", "integer": "a whole number", "number": "a number", "boolean": "true or false",
               "object": "a mapping (key: value lines)", "array": "a list", "null": "empty"}


def schema_text() -> str:
    """The schema exactly as the file holds it (what `kassasync schema` prints)."""
    return resources.files("pipeline.config").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def store_schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text())
    return loaded


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft7Validator:
    # Compiled once per process: validating 2,000 files must not rebuild it 2,000 times.
    return jsonschema.Draft7Validator(store_schema())


def check_schema(doc: YDict) -> list[Diagnostic]:
    """Every schema violation in a loaded (and possibly merged) document, located in its own file."""
    return [finding.diagnostic for finding in schema_findings(doc)]


@lru_cache(maxsize=1)
def _fast_check() -> Any:
    # fastjsonschema compiles the schema to Python once (about 20x faster than jsonschema here); it only
    # says valid or not, so jsonschema explains the files that are not.
    return fastjsonschema.compile(store_schema())


def is_valid(doc: YDict) -> bool:
    try:
        _fast_check()(doc)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def schema_findings(doc: YDict) -> list[Finding]:
    """Schema violations with the path of the offending value (so the caller can leave it out and go on)."""
    if is_valid(doc):
        return []
    found: list[Finding] = []
    for error in _validator().iter_errors(doc):
        found.extend(_convert(doc, error))
    return found


def check_complete(doc: YDict) -> list[Diagnostic]:
    """Keys a store needs once its profile is merged in."""
    missing = [key for key in COMPLETE_STORE_KEYS if key not in doc]
    found = [_diag(doc, (), f"missing key `{key}`",
                   f"add `{key}:` to the store file or to its profile ({_prop_description(key)})")
             for key in missing]
    fortnox = doc.get("fortnox")
    if isinstance(fortnox, dict) and "voucher_series" not in fortnox:
        found.append(_diag(doc, ("fortnox",), "missing key `voucher_series` in fortnox",
                           "add `voucher_series: F` (the series must exist in Fortnox with Manuell kontering)"))
    return [finding.diagnostic for finding in found]


def _convert(doc: YDict, error: jsonschema.ValidationError) -> list[Finding]:
    path = tuple(error.absolute_path)
    kind = error.validator
    if "propertyNames" in error.relative_schema_path:
        key = str(error.instance)
        return [_diag(doc, (*path, key), f"`{key}` is not a valid key in {describe(path)}",
                      _description(error.schema) or "check the spelling", key=True)]
    if kind == "additionalProperties":
        return _unknown_keys(doc, path, error)
    if kind == "required":
        return [_diag(doc, path, f"{describe(path)}: missing `{name}`", _prop_hint(error.schema, name))
                for name in error.validator_value if name not in error.instance]
    if kind == "anyOf":
        return _any_of(doc, path, error)
    if kind == "type":
        return [_diag(doc, path, f"{describe(path)} must be {_types(error.validator_value)}, "
                                 f"not {_shown(error.instance)}", _type_hint(error))]
    if kind in ("enum", "const"):
        allowed = error.validator_value if kind == "enum" else [error.validator_value]
        hint = _description(error.schema)
        if isinstance(error.instance, str) and error.instance.strip() in {str(v) for v in allowed}:
            hint = f"write {error.instance.strip()} without quotes (in quotes it is text, not a number)"
        return [_diag(doc, path, f"{describe(path)} is {_shown(error.instance)}; allowed: "
                                 + ", ".join(str(v) for v in allowed), hint)]
    if kind == "pattern":
        return [_diag(doc, path, f"{describe(path)}: {_shown(error.instance)} is not in the right form",
                      _description(error.schema))]
    return [_diag(doc, path, f"{describe(path)}: {error.message}", _description(error.schema))]


def _unknown_keys(doc: YDict, path: tuple[Any, ...], error: jsonschema.ValidationError) -> list[Finding]:
    known = list(error.schema.get("properties", {}))
    found = []
    for key in error.instance:
        if key in known:
            continue
        close = difflib.get_close_matches(str(key), known, n=1)
        hint = f"did you mean `{close[0]}`?" if close else "known keys: " + ", ".join(known)
        where = "at the top level" if not path else f"in {describe(path)}"
        found.append(_diag(doc, (*path, key), f"unknown key `{key}` {where}", hint, key=True))
    return found


def _any_of(doc: YDict, path: tuple[Any, ...], error: jsonschema.ValidationError) -> list[Finding]:
    defs = store_schema()["definitions"]
    schema = error.schema
    if schema == defs["account"] or (schema.get("anyOf", [{}])[0].get("$ref", "").endswith("/account")):
        return [_diag(doc, path, f"{describe(path)}: {_shown(error.instance)} is not a four-digit account number",
                      "write the account number, e.g. 1910 (four digits, no spaces)")]
    if isinstance(error.instance, dict | list):
        # An article group: one row or a list of rows; report every reason in the branch that fits the shape.
        branch = 0 if isinstance(error.instance, dict) else 1
        inner = [e for e in error.context or [] if e.relative_schema_path and e.relative_schema_path[0] == branch]
        if inner:
            return [finding for e in inner for finding in _convert(doc, e)]
    return [_diag(doc, path, f"{describe(path)}: {_shown(error.instance)} is not allowed here",
                  _description(schema) or "write one row as {revenue: 3010, vat_account: 2610, vat_rate: 25}")]


def _diag(doc: YDict, path: tuple[Any, ...], message: str, hint: str | None, *, key: bool = False) -> Finding:
    return Finding(path, Diagnostic(locate(doc, path, key=key), Severity.ERROR, RULE, message, hint), key)


def _types(value: Any) -> str:
    names = value if isinstance(value, list) else [value]
    return " or ".join(_TYPE_WORDS.get(str(name), str(name)) for name in names)


def _type_hint(error: jsonschema.ValidationError) -> str | None:
    wanted = error.validator_value
    if wanted == "string" and isinstance(error.instance, int | float | bool):
        return f'put the value in quotes: "{_plain(error.instance)}" (codes and ids are text)'
    if wanted == "boolean" and isinstance(error.instance, str):
        return f"write true or false (`{error.instance[:20]}` is read as text)"
    if wanted == "object" and isinstance(error.instance, list):
        return "write one `key: value` per line under it, not a list with dashes"
    if wanted == "array" and not isinstance(error.instance, list):
        return "write a list: [a, b] or one `- item` per line"
    return _description(error.schema)


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    text = _plain(value)
    return f"`{text[:60]}`" if isinstance(value, str) else text


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _description(schema: Any) -> str | None:
    return schema.get("description") if isinstance(schema, dict) else None


def _prop_description(name: str) -> str:
    prop = store_schema()["properties"].get(name, {})
    return str(prop.get("description", "")).rstrip(".")


def _prop_hint(schema: dict[str, Any], name: str) -> str:
    prop = schema.get("properties", {}).get(name, {})
    return f"add `{name}`: {prop.get('description', '')}".rstrip(": ")
