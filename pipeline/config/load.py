"""Loading store files end to end: YAML -> profile merge -> schema -> StoreConfig -> rules, and cross-file rules."""
from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.config.batch import load_many
from pipeline.config.build import build_config
from pipeline.config.located import YDict
from pipeline.config.merge import PROFILE_DIR, deep_merge, load_profile, load_profile_file
from pipeline.config.model import StoreConfig
from pipeline.config.prune import buildable, pruned
from pipeline.config.rules import run_rules
from pipeline.config.schema import check_complete, schema_findings
from pipeline.config.secrets_rule import check_secrets
from pipeline.config.yamlload import load_yaml_file
from pipeline.diagnostics import Diagnostic, Location, Severity
from pipeline.errors import UserError
from pipeline.store_ids import checked_store_id

STORE_GLOB = "*.yaml"
log = logging.getLogger("kassasync.config")


@dataclass
class Loaded:
    """One store file after loading: the config (None when it has errors), its diagnostics, its document."""

    path: Path
    display: str
    config: StoreConfig | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    doc: YDict | None = None
    # What the cross-file rule (KS117) compares, so a worker process can return the result without the doc.
    identity: dict[str, tuple[str, Location]] = field(default_factory=dict)
    disabled: frozenset[str] = frozenset()


def display_path(path: Path) -> str:
    """The path as people should see it: relative to the working directory when it is below it."""
    text = os.path.normpath(path)
    if os.path.isabs(text):
        cwd = os.getcwd()
        if text.startswith(cwd + os.sep):
            return text[len(cwd) + 1:]
    return text


def load_one(path: Path, display: str | None = None) -> Loaded:
    """Load, merge, check and build one store file; every problem is a diagnostic."""
    display = display or display_path(path)
    doc, diags = load_yaml_file(path, display)
    result = Loaded(path, display, None, diags)
    if doc is None:
        return result
    profile, profile_diags = load_profile(path, doc, os.path.dirname(display))
    diags.extend(profile_diags)
    merged = deep_merge(profile, doc) if profile is not None else doc
    result.doc = merged
    if profile is None and "extends" in doc:
        # Without its profile the store is incomplete: report its own schema findings, not a list of
        # "missing key" errors that are really the profile's.
        diags.extend(f.diagnostic for f in schema_findings(doc))
        return result
    disabled = result.disabled = disabled_rules(merged)
    result.identity = identity_of(merged)
    # The store's own file; its profile was checked once when it was loaded.
    secrets = [] if "KS119" in disabled else check_secrets(doc)
    secret_places = {d.location for d in secrets}
    diags.extend(secrets)
    findings = schema_findings(merged)
    # A value reported as a secret is not reported again by the schema, but it is left out all the same:
    # the rules must not meet a value the schema rejected (a token where an article group's row belongs).
    diags.extend(f.diagnostic for f in findings if f.diagnostic.location not in secret_places)
    diags.extend(check_complete(merged))
    # Rules still run on what is left once the bad values are left out: one pass finds every mistake.
    usable = pruned(merged, [f.path for f in findings if not f.key_only]
                    + [(key,) for key in _secret_keys(merged, secret_places)],
                    exact=[f.path for f in findings if f.key_only])
    had_errors = any(d.is_error for d in diags)
    try:
        config = _build_tolerant(usable, path, diags)
        if config is None:
            return result
        diags.extend(run_rules(config, usable))
    except (KeyError, TypeError, ValueError, ArithmeticError):
        if not had_errors:
            raise  # a clean file must never trip the rules: that is a bug to see, not to hide
        # What is left of a badly broken file can still surprise the rules; the errors above come first.
        log.debug("rules skipped for %s after earlier errors", display, exc_info=True)
        return result
    if not any(d.is_error for d in diags):
        result.config = config
    return result


def _build_tolerant(doc: YDict, path: Path, diags: list[Diagnostic]) -> StoreConfig | None:
    doc = _with_placeholders(doc, path)
    config, bad_dates = build_config(doc, path)
    if bad_dates:
        diags.extend(d for _, d in bad_dates)
        config, _ = build_config(_with_placeholders(pruned(doc, [p for p, _ in bad_dates]), path), path)
    return config


def _with_placeholders(doc: YDict, path: Path) -> YDict:
    """Stand-ins for required values that are missing or bad (already reported), so the rules still run.

    They are chosen to trigger no rule: the file's own stem, a start date no row can begin after.
    """
    if buildable(doc):
        return doc
    filled = doc.shallow_copy()
    for key, value in (("store", path.stem), ("name", "?"), ("org_number", ""), ("start_date", "9999-12-31")):
        if not isinstance(filled.get(key), str):
            filled[key] = value
            filled.key_locs[key] = filled.value_locs[key] = doc.loc
    fortnox = filled.get("fortnox")
    if not isinstance(fortnox, YDict) or not isinstance(fortnox.get("voucher_series"), str):
        section = fortnox.shallow_copy() if isinstance(fortnox, YDict) else YDict(doc.loc)
        section["voucher_series"] = "F"
        section.key_locs["voucher_series"] = section.value_locs["voucher_series"] = doc.loc
        filled["fortnox"] = section
        filled.key_locs.setdefault("fortnox", doc.loc)
        filled.value_locs.setdefault("fortnox", doc.loc)
    return filled


def _secret_keys(doc: YDict, places: set[Location]) -> list[str]:
    # Top-level keys holding a secret-looking finding are left out of the rule pass (they are reported).
    return [key for key in doc if doc.key_locs[key] in places or doc.value_locs[key] in places]


def disabled_rules(doc: YDict) -> frozenset[str]:
    rules = doc.get("rules")
    listed = rules.get("disable") if isinstance(rules, dict) else None
    return frozenset(x for x in listed if isinstance(x, str)) if isinstance(listed, list) else frozenset()


def load_store(path: Path) -> tuple[StoreConfig | None, list[Diagnostic]]:
    """One store file with its profile: the config (None when there is any error) and every diagnostic."""
    loaded = load_one(path)
    return loaded.config, _sorted(loaded.diagnostics)


def store_files(stores_dir: Path) -> list[Path]:
    """The store files of a directory (profiles live in a subdirectory and are not stores)."""
    return sorted(p for p in stores_dir.glob(STORE_GLOB) if p.is_file())


def load_directory(stores_dir: Path) -> tuple[list[Loaded], list[Diagnostic]]:
    """Every store file of a directory, plus the cross-file findings (per file, in that file's list)."""
    if not stores_dir.is_dir():
        return [], [Diagnostic(Location(display_path(stores_dir)), Severity.ERROR, "KS101",
                               "the stores directory does not exist",
                               "pass the directory with --stores DIR, or run from the project root")]
    loaded = load_many(store_files(stores_dir))
    cross_file_rules(loaded)
    diags = [_ignored_file(path) for path in sorted(stores_dir.glob("*.yml"))]
    for profile in sorted((stores_dir / PROFILE_DIR).glob(STORE_GLOB)):
        diags.extend(check_profile(profile))
    return loaded, diags


def check_profile(path: Path) -> list[Diagnostic]:
    """A profile checked on its own: YAML, schema, secrets, per-store keys (so an unused one is checked too)."""
    profile, diags = load_profile_file(path, display_path(path))
    if profile is not None:
        diags.extend(check_secrets(profile))
        diags.extend(f.diagnostic for f in schema_findings(profile))
    return diags


def _ignored_file(path: Path) -> Diagnostic:
    return Diagnostic(Location(display_path(path)), Severity.WARNING, "KS108",
                      f"{path.name} is not read: store files end in .yaml",
                      f"rename it to {path.stem}.yaml")


def load_stores(stores_dir: Path) -> tuple[dict[str, StoreConfig], list[Diagnostic]]:
    """Every valid store of a directory by store id, and every diagnostic of every file (cross-file rules too)."""
    loaded, diags = load_directory(stores_dir)
    configs = {item.config.store: item.config for item in loaded if item.config is not None}
    for item in loaded:
        diags.extend(item.diagnostics)
    return configs, _sorted(_unique(diags))


IDENTITY = ((("store",), "store id"), (("fortnox", "tenant_id"), "Fortnox tenant id"),
            (("org_number",), "organisation number"))


def identity_of(doc: YDict) -> dict[str, tuple[str, Location]]:
    """The values no two stores may share, with where they are."""
    found = {}
    for key_path, label in IDENTITY:
        value = _value_at(doc, key_path)
        if value is not None:
            found[label] = value
    return found


def cross_file_rules(loaded: list[Loaded]) -> None:
    """KS117: no two files share a store id, a Fortnox tenant id or an organisation number."""
    for _, label in IDENTITY:
        seen: dict[str, list[tuple[Loaded, Location]]] = {}
        for item in loaded:
            if label in item.identity:
                value, loc = item.identity[label]
                seen.setdefault(value, []).append((item, loc))
        for value, holders in seen.items():
            if len(holders) < 2:
                continue
            for item, loc in holders:
                if "KS117" in item.disabled:
                    continue
                others = ", ".join(o.display for o, _ in holders if o is not item)
                item.diagnostics.append(Diagnostic(
                    loc, Severity.ERROR, "KS117", f"{label} {value} is also used by {others}",
                    f"each store needs its own {label}; check which file has the wrong one"))
                item.config = None


def _value_at(doc: YDict, path: tuple[str, ...]) -> tuple[str, Location] | None:
    node: Any = doc
    loc = None
    for part in path:
        if not isinstance(node, YDict) or part not in node:
            return None
        loc = node.value_locs[part]
        node = node[part]
    return (node, loc) if isinstance(node, str) and loc is not None else None


def validate_paths(paths: list[Path]) -> list[Diagnostic]:
    """Diagnostics for the given files and directories; cross-file rules compare with each file's siblings.

    A directory means every store file in it; a profile means every store of the directory above it.
    """
    requested: dict[Path, set[Path] | None] = {}  # stores dir -> files asked for (None: all)
    diags: list[Diagnostic] = []
    for path in paths:
        if path.is_dir():
            requested[path.resolve()] = None
        elif path.is_file():
            parent = path.resolve().parent
            if parent.name == PROFILE_DIR:
                requested[parent.parent] = None
            elif parent not in requested or requested[parent] is not None:
                wanted = requested.setdefault(parent, set())
                if wanted is not None:
                    wanted.add(path.resolve())
        else:
            diags.append(Diagnostic(Location(display_path(path)), Severity.ERROR, "KS101", "no such file or directory",
                                    "check the path; store files live in stores/<store>.yaml"))
    for stores_dir, files in requested.items():
        diags.extend(_validate_dir(stores_dir, files))
    return _sorted(_unique(diags))


def _validate_dir(stores_dir: Path, files: set[Path] | None) -> list[Diagnostic]:
    loaded, diags = load_directory(stores_dir)
    known = {item.path.resolve() for item in loaded}
    for extra in sorted((files or set()) - known):  # e.g. a .yml file passed by name: check it alone
        loaded.append(load_one(extra))
    for item in loaded:
        if files is None or item.path.resolve() in files:
            diags.extend(item.diagnostics)
    return diags


def get_store(stores_dir: Path, store_id: str) -> StoreConfig:
    """The valid StoreConfig of one store, or a UserError that lists what to fix."""
    path = stores_dir / f"{checked_store_id(store_id)}.yaml"
    if not path.is_file():
        available = [p.stem for p in store_files(stores_dir)] if stores_dir.is_dir() else []
        hint = ("known stores: " + ", ".join(available)) if available else \
            f"create {display_path(path)} or pass the right directory with --stores"
        raise UserError(f"store `{store_id}` not found: there is no {display_path(path)}", hint)
    config, diags = load_store(path)
    if config is None:
        errors = [d for d in diags if d.is_error]
        shown = "\n".join(d.render() for d in errors[:20])
        more = f"\n... and {len(errors) - 20} more" if len(errors) > 20 else ""
        raise UserError(f"store file {display_path(path)} has {len(errors)} error(s):\n{shown}{more}",
                        f"fix them and check with `kassasync validate {display_path(path)}`")
    return config


def _unique(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    # A profile's mistake shows once, not once per store that extends it.
    return list(dict.fromkeys(diags))


def _sorted(diags: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(diags, key=lambda d: (d.location.path, d.location.line, d.location.col, d.rule))


__all__ = ["Loaded", "display_path", "get_store", "load_one", "load_store", "load_stores",
           "store_files", "validate_paths"]
