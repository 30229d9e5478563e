"""KS119: nothing that looks like a secret goes into a store file (it would end up in git)."""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pipeline.config.located import YDict, YList
from pipeline.diagnostics import Diagnostic, Location, Severity

RULE = "KS119"
_SECRET_WORDS = re.compile(r"token|secret|passw|refresh|api[_-]?key|client[_-]?id|bearer|credential",
                           re.IGNORECASE)
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
_RANDOM = re.compile(r"[A-Za-z0-9+/_=-]{32,}")
_HINT = ("secrets belong in the token store (`kassasync connect`) or the environment "
         "(FORTNOX_CLIENT_SECRET), never in stores/; remove it and rotate the secret if it was committed")


def check_secrets(doc: YDict) -> list[Diagnostic]:
    """Keys named like secrets and values that look like tokens, in one loaded file (merged or not)."""
    return list(_walk(doc, ""))


def _walk(node: Any, where: str) -> Iterator[Diagnostic]:
    if isinstance(node, YDict):
        for key, value in node.items():
            name = f"{where}.{key}" if where else key
            if not key.isdigit() and _SECRET_WORDS.search(key) and key != "tenant_id":
                yield _diag(node.key_locs[key], f"key `{name}` looks like a secret")
            elif isinstance(value, str) and _looks_secret(value):
                yield _diag(node.value_locs[key], f"the value of `{name}` looks like a token or password")
            else:
                yield from _walk(value, name)
    elif isinstance(node, YList):
        for i, value in enumerate(node):
            if isinstance(value, str) and _looks_secret(value):
                yield _diag(node.locs[i], f"item {i + 1} of `{where}` looks like a token or password")
            else:
                yield from _walk(value, where)


def _looks_secret(value: str) -> bool:
    if len(value) < 20:  # shorter than any token we know; most values (names, codes) stop here
        return False
    if _JWT.search(value) or value.lower().startswith("bearer "):
        return True
    match = _RANDOM.search(value)
    if match is None:
        return False
    # Long unbroken runs of mixed letters and digits are keys; names and templates have spaces.
    run = match.group()
    return any(c.isdigit() for c in run) and any(c.isalpha() for c in run)


def _diag(loc: Location, message: str) -> Diagnostic:
    return Diagnostic(loc, Severity.ERROR, RULE, message, _HINT)
