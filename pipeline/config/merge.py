"""`extends:` support: deep-merge a profile under a store (store wins, lists replace), keeping each value's file."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.config.located import YDict
from pipeline.config.secrets_rule import check_secrets
from pipeline.config.yamlload import load_yaml_file
from pipeline.diagnostics import Diagnostic, Severity

PROFILE_DIR = "_profiles"
RULE = "KS106"
# Per-store facts a shared profile must not set: they would be wrong for every other store using it.
_STORE_ONLY = ("store", "name", "org_number", "extends")


def deep_merge(base: YDict, over: YDict) -> YDict:
    """`over` on top of `base`: mappings merge key by key, everything else (lists too) is replaced.

    The result keeps the locations of whichever file each value came from.
    """
    merged = YDict(over.loc)
    for key, value in base.items():
        if key not in over:
            _put(merged, key, value, base)
    for key, value in over.items():
        if key in base and isinstance(value, YDict) and isinstance(base[key], YDict):
            _put(merged, key, deep_merge(base[key], value), over)
        else:
            _put(merged, key, value, over)
    return merged


def _put(target: YDict, key: str, value: Any, source: YDict) -> None:
    target[key] = value
    target.key_locs[key] = source.key_locs[key]
    target.value_locs[key] = source.value_locs[key]


_CACHE: dict[tuple[Path, int, int, str], tuple[YDict | None, list[Diagnostic]]] = {}


def _load_cached(path: Path, display: str) -> tuple[YDict | None, list[Diagnostic]]:
    # 2,000 stores share one profile: read it once per process (the key changes when the file does).
    # Nothing downstream mutates a loaded document, so sharing it is safe.
    stat = path.stat()
    key = (path.resolve(), stat.st_mtime_ns, stat.st_size, display)
    if key not in _CACHE:
        profile, diags = load_yaml_file(path, display)
        # Checked for secrets here, once, rather than in every store that extends it.
        _CACHE[key] = profile, diags + (check_secrets(profile) if profile is not None else [])
    return _CACHE[key]


def profile_path(store_path: Path, profile: str) -> Path:
    return store_path.parent / PROFILE_DIR / f"{profile}.yaml"


def load_profile(store_path: Path, doc: YDict, display_dir: str) -> tuple[YDict | None, list[Diagnostic]]:
    """The profile a store `extends`, loaded and checked for per-store keys; None when there is none."""
    name = doc.get("extends")
    if not isinstance(name, str) or not name:
        return None, []
    path = profile_path(store_path, name)
    display = f"{display_dir}/{PROFILE_DIR}/{name}.yaml" if display_dir else str(path)
    if not path.is_file():
        available = sorted(p.stem for p in path.parent.glob("*.yaml")) if path.parent.is_dir() else []
        hint = ("available profiles: " + ", ".join(available)) if available else \
            f"create {display} or remove `extends:`"
        return None, [Diagnostic(doc.value_locs["extends"], Severity.ERROR, RULE,
                                 f"profile `{name}` not found ({display})", hint)]
    profile, diags = _load_cached(path, display)
    if profile is None:
        return None, diags
    return profile, [*diags, *profile_findings(profile)]


def profile_findings(profile: YDict) -> list[Diagnostic]:
    """Per-store facts set in a profile (they would be wrong for every other store using it)."""
    diags = []
    for key in _STORE_ONLY:
        if key in profile:
            diags.append(Diagnostic(profile.key_locs[key], Severity.ERROR, RULE,
                                    f"a profile cannot set `{key}`",
                                    f"move `{key}` into each store file; profiles hold what stores share"
                                    + ("; profiles do not extend other profiles" if key == "extends" else "")))
    fortnox = profile.get("fortnox")
    if isinstance(fortnox, YDict) and "tenant_id" in fortnox:
        diags.append(Diagnostic(fortnox.key_locs["tenant_id"], Severity.ERROR, RULE,
                                "a profile cannot set `fortnox.tenant_id`",
                                "each store has its own Fortnox tenant; set it in the store file"))
    return diags


def load_profile_file(path: Path, display: str) -> tuple[YDict | None, list[Diagnostic]]:
    """A profile on its own (for profiles no store extends yet)."""
    profile, diags = _load_cached(path, display)
    return profile, [*diags, *(profile_findings(profile) if profile is not None else [])]
