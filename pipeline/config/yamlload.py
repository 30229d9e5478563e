"""Strict YAML loading for store files: marks on everything, no surprises, bounded time and memory.

PyYAML composes the node graph (the C parser when libyaml is there); we build the values ourselves so
that duplicate keys, tags and alias bombs become diagnostics, and so that only plain decimal numbers,
true/false and null are resolved: `0123`, `NO`, `1_000` and dates stay text.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from pipeline.config.located import YDict, YList
from pipeline.diagnostics import Diagnostic, Location, Severity

_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"

try:  # libyaml is several times faster; the pure-Python parser gives the same nodes and marks
    _Base: Any = yaml.CBaseLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Base = yaml.BaseLoader


class _Loader(_Base):  # type: ignore[misc,valid-type]
    """Composes nodes only; every scalar is tagged text and resolved by `_Builder.scalar`.

    The resolver hooks are no-ops: PyYAML calls them once per node, which is a third of parse time.
    """

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode:
            return _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP

MAX_BYTES = 512 * 1024  # a store file is a few kB; this bounds parse time and memory
MAX_VALUES = 20_000  # values built, counting every alias expansion (an alias bomb stops here)
MAX_DEPTH = 32  # nesting; a store file needs 4
MAX_REPORTED_TABS = 5
# Longer runs of digits stay text: Python refuses to convert more than 4,300 digits (ValueError), and no
# number in a store file has more than a few; the schema then says where a number was expected.
MAX_NUMBER_DIGITS = 100

_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\Z")
_FLOAT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\.[0-9]+\Z")
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_NULLS = {"", "~", "null", "Null", "NULL"}
_BOM = b"\xef\xbb\xbf"
_BRACKETS = re.compile(r"[\[\]{}]")


_new_location = object.__new__


class _TooBig(Exception):
    def __init__(self, loc: Location, message: str, hint: str) -> None:
        super().__init__(message)
        self.loc, self.message, self.hint = loc, message, hint


def load_yaml_file(path: Path, display: str | None = None) -> tuple[YDict | None, list[Diagnostic]]:
    """Read and load one YAML file; every problem comes back as a diagnostic, never an exception."""
    name = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return None, [_diag(Location(name, 1, 1), "KS101",
                                f"the file is {size / 1_048_576:.1f} MB; a store file is a few kB",
                                "check that this is the store file you meant (limit 512 kB)")]
        data = path.read_bytes()
    except OSError as exc:
        return None, [_diag(Location(name), "KS101", f"cannot read the file: {exc.strerror or exc}",
                            "check the path and the file's permissions")]
    return load_yaml_bytes(data, name)


def load_yaml_bytes(data: bytes, name: str) -> tuple[YDict | None, list[Diagnostic]]:
    """Load YAML from bytes (UTF-8) for the file called `name`."""
    diags: list[Diagnostic] = []
    if len(data) > MAX_BYTES:
        return None, [_diag(Location(name, 1, 1), "KS101", "the file is larger than 512 kB",
                            "a store file is a few kB; check that this is the file you meant")]
    if data.startswith(_BOM):
        data = data[len(_BOM):]
        diags.append(_diag(Location(name, 1, 1), "KS107", "the file starts with a byte order mark (BOM)",
                           "save it as UTF-8 without BOM (most editors: 'UTF-8', not 'UTF-8 with BOM')",
                           Severity.WARNING))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _line_col(data, exc.start)
        return None, [*diags, _diag(Location(name, line, col), "KS101",
                                    f"the file is not UTF-8 (byte 0x{data[exc.start]:02X})",
                                    "save the file as UTF-8; Windows-1252/Latin-1 editors write å, ä, ö differently")]
    tabs = _tab_indents(text, name)
    if tabs:
        return None, [*diags, *tabs]
    root, found = _compose_and_build(text, name)
    diags.extend(found)
    if root is None and not found:
        diags.append(_diag(Location(name, 1, 1), "KS101", "the file is empty",
                           "start from one of the example stores in examples/stores/"))
    elif root is not None and not isinstance(root, YDict):
        diags.append(_diag(getattr(root, "loc", Location(name, 1, 1)), "KS105",
                           f"the file holds {_kind(root)} at the top; a store file is a mapping of keys",
                           "start with `version: 1` and `store: <id>`, each key on its own line"))
        root = None
    return root if isinstance(root, YDict) else None, diags


def _compose_and_build(text: str, name: str) -> tuple[Any, list[Diagnostic]]:
    depth = _flow_depth(text)
    if depth > MAX_DEPTH:
        return None, [_diag(Location(name, 1, 1), "KS104", f"brackets nest {depth} levels deep",
                            f"a store file needs at most a few levels (limit {MAX_DEPTH})")]
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(name, mark.line + 1, mark.column + 1) if mark else Location(name, 1, 1)
        problem = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        return None, [_diag(loc, "KS102", f"YAML syntax error: {problem}",
                            "check indentation (spaces only), quotes and the colon after each key")]
    except yaml.YAMLError as exc:  # reader errors: control characters and the like
        line, col = _reader_position(exc, text)
        return None, [_diag(Location(name, line, col), "KS102", f"YAML syntax error: {_first_line(exc)}",
                            "remove control characters; a store file is plain text")]
    finally:
        loader.dispose()
    if node is None:
        return None, []
    builder = _Builder(name)
    try:
        value = builder.build(node, 0)
    except _TooBig as exc:
        return None, [*builder.diags, _diag(exc.loc, "KS104", exc.message, exc.hint)]
    return value, builder.diags


class _Builder:
    """Turns composed nodes into YDict/YList/scalars, collecting diagnostics as it goes."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.count = 0
        self.diags: list[Diagnostic] = []

    def loc(self, node: Any) -> Location:
        mark = node.start_mark
        # Two Locations per key: filling the frozen dataclass's __dict__ directly is 4x cheaper than __init__.
        loc = _new_location(Location)
        loc.__dict__.update(path=self.name, line=mark.line + 1, col=mark.column + 1)
        return loc

    def build(self, node: Any, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_VALUES or depth > MAX_DEPTH:
            raise _TooBig(self.loc(node), "the file expands to too many values (anchors and aliases?)",
                          f"write the values out; a store file needs no &anchors or *aliases "
                          f"(limits: {MAX_VALUES} values, {MAX_DEPTH} levels)")
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if node.tag not in (_SEQ, _MAP):
            self.custom_tag(node)
        if isinstance(node, yaml.SequenceNode):
            seq = YList(self.loc(node))
            for item in node.value:
                seq.append(self.build(item, depth + 1))
                seq.locs.append(self.loc(item))
            return seq
        return self.mapping(node, depth)

    def mapping(self, node: Any, depth: int) -> YDict:
        result = YDict(self.loc(node))
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.diags.append(_diag(self.loc(key_node), "KS104", "a key must be plain text",
                                        "write `name: value`; lists and mappings cannot be keys"))
                continue
            key = key_node.value
            if key == "<<" and not key_node.style:
                self.diags.append(_diag(self.loc(key_node), "KS104", "merge keys (<<) are not supported",
                                        "use `extends: <profile>` to share settings between stores"))
                continue
            if key in result:
                first = result.key_locs[key]
                self.diags.append(_diag(self.loc(key_node), "KS103", f"duplicate key `{key}`",
                                        f"it is already set at line {first.line}; keep one of them"))
                continue
            result[key] = self.build(value_node, depth + 1)
            result.key_locs[key] = self.loc(key_node)
            result.value_locs[key] = self.loc(value_node)
        return result

    def scalar(self, node: Any) -> Any:
        if node.tag != _STR:
            self.custom_tag(node)
            return node.value
        if node.style:  # quoted or block: always text (the C parser says '' for plain, Python None)
            return node.value
        value: str = node.value
        if value in _NULLS:
            return None
        if value in _BOOLS:
            return _BOOLS[value]
        if _INT.match(value) and len(value) <= MAX_NUMBER_DIGITS:
            return int(value)
        if _FLOAT.match(value):
            return float(value)
        return value

    def custom_tag(self, node: Any) -> None:
        self.diags.append(_diag(self.loc(node), "KS104", f"tag `{node.tag}` is not allowed",
                                "remove the tag (the `!...` part); write the value as plain text"))


def _tab_indents(text: str, name: str) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.lstrip(" \t")
        indent = line[: len(line) - len(stripped)]
        if "\t" in indent and stripped and not stripped.startswith("#"):
            found.append(_diag(Location(name, number, indent.index("\t") + 1), "KS102",
                               "a tab is used for indentation", "YAML indents with spaces; replace the tab"))
            if len(found) >= MAX_REPORTED_TABS:
                break
    return found


def _flow_depth(text: str) -> int:
    # A cheap upper bound on [ { nesting, so a 100 000-deep bracket file never reaches the recursive parser.
    depth = deepest = 0
    for char in _BRACKETS.findall(text):
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}" and depth:
            depth -= 1
    return deepest


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, offset - line_start + 1


def _reader_position(exc: yaml.YAMLError, text: str) -> tuple[int, int]:
    position = getattr(exc, "position", None)
    if isinstance(position, int) and 0 <= position <= len(text):
        line_start = text.rfind("\n", 0, position) + 1
        return text.count("\n", 0, position) + 1, position - line_start + 1
    return 1, 1


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or ["unreadable"])[0]


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"a single value ({str(value)[:40]!r})"


def _diag(loc: Location, rule: str, message: str, hint: str,
          severity: Severity = Severity.ERROR) -> Diagnostic:
    return Diagnostic(loc, severity, rule, message, hint)
