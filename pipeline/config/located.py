"""Containers that remember where each value sits (file:line:col), and how to name a path for people."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pipeline.diagnostics import Location

PathPart = str | int


class YDict(dict[str, Any]):
    """A YAML mapping: keys are the key text; `key_locs` / `value_locs` say where each key and value is."""

    __slots__ = ("loc", "key_locs", "value_locs")

    def __init__(self, loc: Location) -> None:
        super().__init__()
        self.loc = loc
        self.key_locs: dict[str, Location] = {}
        self.value_locs: dict[str, Location] = {}

    def shallow_copy(self) -> YDict:
        """A copy with the same values and its own location tables (to change without touching this one)."""
        copy = YDict(self.loc)
        copy.update(self)
        copy.key_locs, copy.value_locs = dict(self.key_locs), dict(self.value_locs)
        return copy


class YList(list[Any]):
    """A YAML sequence: `locs[i]` is where item i is."""

    __slots__ = ("loc", "locs")

    def __init__(self, loc: Location) -> None:
        super().__init__()
        self.loc = loc
        self.locs: list[Location] = []


def locate(root: Any, path: Sequence[PathPart], *, key: bool = False) -> Location:
    """The location of `path` in a loaded document: the deepest part of the path that exists.

    With `key=True` the last part's key is meant (for "unknown key" findings), not its value.
    """
    node = root
    loc = getattr(root, "loc", Location("?"))
    last = len(path) - 1
    for i, part in enumerate(path):
        if isinstance(node, YDict) and isinstance(part, str) and part in node:
            loc = node.key_locs[part] if (key and i == last) else node.value_locs[part]
            node = node[part]
        elif isinstance(node, YList) and isinstance(part, int) and 0 <= part < len(node):
            loc = node.locs[part]
            node = node[part]
        else:
            break
    return loc


_SINGULAR = {
    "article_groups": "article group",
    "payment_methods": "payment method",
    "accounts": "accounts entry",
    "account_map": "account_map entry",
}


def describe(path: Sequence[PathPart]) -> str:
    """Name a path by ids, not indexes: ("article_groups", "MAT", 1, "vat_rate") -> "article group MAT, row 2, vat_rate"."""
    if not path:
        return "the file"
    head, rest = path[0], list(path[1:])
    if head in _SINGULAR and rest:
        text = f"{_SINGULAR[str(head)]} {rest.pop(0)}"
        if head == "article_groups" and rest and isinstance(rest[0], int):
            text += f", row {int(rest.pop(0)) + 1}"
        if rest:
            text += ", " + _dotted(rest)
        return text
    return _dotted([head, *rest])


def _dotted(parts: Sequence[PathPart]) -> str:
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f" item {part + 1}"
        else:
            text += ("." if text else "") + part
    return text.strip()
