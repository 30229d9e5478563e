"""Leave out the parts of a document that failed the schema, so the semantic rules can still check the rest."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pipeline.config.located import YDict, YList

# Sections whose entries stand on their own: a bad entry is left out, the rest of the section is kept.
_ENTRY_SECTIONS = frozenset({"article_groups", "payment_methods", "accounts", "account_map", "fortnox", "pos",
                             "voucher", "rules"})
# What the StoreConfig cannot be built without.
BUILD_NEEDS = (("store",), ("name",), ("org_number",), ("start_date",), ("fortnox", "voucher_series"))


def prune_point(path: tuple[Any, ...]) -> tuple[Any, ...]:
    if path and path[0] in _ENTRY_SECTIONS and len(path) >= 2:
        return path[:2]
    return path[:1]


def pruned(doc: YDict, paths: Iterable[tuple[Any, ...]], exact: Iterable[tuple[Any, ...]] = ()) -> YDict:
    """A copy of `doc` without the entries the paths point into (locations are kept).

    `paths` leave out the whole entry around a bad value; `exact` paths (unknown keys) only that key.
    """
    result = doc
    for path in {prune_point(p) for p in paths if p} | {tuple(p) for p in exact if p}:
        result = _without(result, path)
    return result


def _without(node: Any, path: tuple[Any, ...]) -> Any:
    key = path[0]
    if isinstance(node, YList) and isinstance(key, int) and 0 <= key < len(node) and len(path) > 1:
        copy_list = YList(node.loc)
        copy_list.extend(node)
        copy_list.locs = list(node.locs)
        copy_list[key] = _without(node[key], path[1:])
        return copy_list
    if not isinstance(node, YDict) or key not in node:
        return node
    copy = node.shallow_copy()
    if len(path) > 1:
        copy[key] = _without(node[key], path[1:])
    else:
        del copy[key]
    return copy


def buildable(doc: YDict) -> bool:
    for path in BUILD_NEEDS:
        node: Any = doc
        for part in path:
            if not isinstance(node, dict) or part not in node:
                return False
            node = node[part]
    return True
