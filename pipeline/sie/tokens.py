"""The SIE line tokenizer (sie-format.md §3): quoted and bare fields, `\\"` escapes, object lists.

A line becomes a list of fields: the label first, then strings, with an object list `{...}` as one tuple
of strings. Most lines take a fast path through `str.split`; only lines with a backslash go through the
regular expression, which also gives columns for diagnostics.
"""
from __future__ import annotations

import re

Field = str | tuple[str, ...]

UNTERMINATED_QUOTE = 1  # a quoted field ran to the end of the line
UNCLOSED_LIST = 2  # an object list had no closing brace
STRAY_BRACE = 4  # a } with no { before it, or a { inside an object list

# Quoted (escapes: only \" is an escape, every other backslash is literal; the regex backtracks to close
# the field at a \" when nothing else closes it, so "C:\dir\" still reads as C:\dir\), an unterminated
# quoted field, a brace, or a bare word (ends at whitespace, a brace or a quote).
_TOKEN = re.compile(r'"((?:\\"|[^"])*)"|"(.*)|([{}])|([^\s{}"]+)', re.S)
_EMPTY: tuple[str, ...] = ()


def tokenize(s: str) -> tuple[list[Field], int]:
    """Fields of a stripped line and a bit set of problems (0 when clean).

    Most lines are split with `str.split`: first on quotes (the odd parts are the quoted fields), then the
    bare parts on whitespace, and a lone bare `{}` (the usual #TRANS shape) is the empty list. Other
    object lists are grouped by `assemble`; a line with a backslash or an unpaired quote goes through the
    regular expression, which knows the escape rules. The common shapes are tested first, with as few
    string operations as they need: this runs once per line.
    """
    if '"' not in s:
        words: list[Field] = s.split()  # type: ignore[assignment]
        if "{" in s or "}" in s:
            rest = s.replace("{}", "", 1)  # braces left in it: not the one bare {} of the usual row
            if "{" in rest or "}" in rest or "{}" not in words:
                return _words_with_braces([s]), 0 if s.count("{") == s.count("}") else _brace_flags(s)
            words[words.index("{}")] = _EMPTY  # the usual row: 1910 {} 10.00
        return words, 0
    if "\\" in s:
        return _tokenize_regex(s)
    parts = s.split('"')
    if len(parts) == 3:  # one quoted field: most quoted lines
        head, quoted, tail = parts
        out: list[Field] = head.split()  # type: ignore[assignment]
        if "{" in s or "}" in s:
            if "}" in tail:  # a list with a quoted object id: {1 "100"}
                if s.count("{") != 1 or s.count("}") != 1 or "{" not in head:
                    return assemble(parts)
                head, _, members = head.partition("{")
                inner, _, tail = tail.partition("}")
                out = head.split()  # type: ignore[assignment]
                out.append((*members.split(), quoted, *inner.split()))
                if tail:
                    out += tail.split()
                return out, 0
            rest = s.replace("{}", "", 1)
            if "{" in rest or "}" in rest or "{}" not in out:
                return assemble(parts)
            out[out.index("{}")] = _EMPTY  # a row with a text: 1910 {} 10.00 20240101 "text"
        out.append(quoted)
        if tail:
            out += tail.split()
        return out, 0
    if not len(parts) & 1:  # an odd number of quotes: the last quoted field is not closed
        return _tokenize_regex(s)
    if "{" in s or "}" in s:
        return assemble(parts)
    out = parts[0].split()  # type: ignore[assignment]
    for k in range(1, len(parts), 2):
        out.append(parts[k])
        if parts[k + 1]:
            out += parts[k + 1].split()
    return out, 0


def _brace_flags(s: str) -> int:
    return UNCLOSED_LIST if s.count("{") > s.count("}") else STRAY_BRACE


def _words_with_braces(segments: list[str]) -> list[Field]:
    """Bare segments only (no quotes): split with braces as their own tokens, then group object lists."""
    out: list[Field] = []
    objs: list[str] | None = None
    for word in " ".join(segments).replace("{", " { ").replace("}", " } ").split():
        if word == "{":
            if objs is None:
                objs = []
        elif word == "}":
            if objs is not None:
                out.append(tuple(objs))
                objs = None
        elif objs is not None:
            objs.append(word)
        else:
            out.append(word)
    if objs is not None:
        out.append(tuple(objs))
    return out


def _brace(brace: str, objs: list[str] | None, out: list[Field]) -> tuple[list[str] | None, int]:
    """A `{` opens an object list and a `}` closes it into `out`; either out of place is a stray brace.
    Returns the open list (None when none is open) and the flag to add."""
    if brace == "{":
        return ([], 0) if objs is None else (objs, STRAY_BRACE)
    if objs is None:
        return None, STRAY_BRACE
    out.append(tuple(objs))
    return None, 0


def assemble(parts: list[str]) -> tuple[list[Field], int]:
    """Alternating bare/quoted segments from `str.split('"')` (no backslashes in the line)."""
    out: list[Field] = []
    objs: list[str] | None = None
    flags = 0
    for i, seg in enumerate(parts):
        if i & 1:
            (out if objs is None else objs).append(seg)
            continue
        if "{" in seg or "}" in seg:
            seg = seg.replace("{", " { ").replace("}", " } ")
            for word in seg.split():
                if word == "{" or word == "}":
                    objs, flag = _brace(word, objs, out)
                    flags |= flag
                else:
                    (out if objs is None else objs).append(word)
        elif seg:
            (out if objs is None else objs).extend(seg.split())
    if objs is not None:
        out.append(tuple(objs))
        flags |= UNCLOSED_LIST
    return out, flags


def _tokenize_regex(s: str) -> tuple[list[Field], int]:
    out: list[Field] = []
    objs: list[str] | None = None
    flags = 0
    for m in _TOKEN.finditer(s):
        quoted, open_quote, brace, bare = m.groups()
        if brace is not None:
            objs, flag = _brace(brace, objs, out)
            flags |= flag
            continue
        if quoted is not None:
            word = quoted.replace('\\"', '"')
        elif open_quote is not None:
            word = open_quote.replace('\\"', '"').rstrip()
            flags |= UNTERMINATED_QUOTE
        else:
            word = bare
        (out if objs is None else objs).append(word)
    if objs is not None:
        out.append(tuple(objs))
        flags |= UNCLOSED_LIST
    return out, flags


def field_columns(raw: str) -> list[int]:
    """1-based column of each field of the (unstripped) line: the label is field 0, a list is one field."""
    cols: list[int] = []
    depth = 0
    for m in _TOKEN.finditer(raw):
        brace = m.group(3)
        if brace == "{":
            if depth == 0:
                cols.append(m.start() + 1)
            depth += 1
        elif brace == "}":
            depth = max(0, depth - 1)
        elif depth == 0:
            cols.append(m.start() + 1)
    return cols


def column(raw: str, index: int) -> int:
    """Column of field `index` (label = 0); past the last field, the column just after the line's text."""
    cols = field_columns(raw)
    if 0 <= index < len(cols):
        return cols[index]
    return len(raw.rstrip()) + 1


def text_field(f: list[Field], i: int) -> str | None:
    """Field i as a string; None when it is missing, empty ("") or an object list."""
    if i < len(f):
        value = f[i]
        if value.__class__ is str and value != "":
            return value  # type: ignore[return-value]
    return None


def pairs(objs: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """An object list's members as (dimension, object id) pairs (an odd member count is the caller's to report)."""
    if len(objs) == 2:  # the usual list, one object: {1 "100"}
        return ((objs[0], objs[1]),)
    return tuple(zip(objs[::2], objs[1::2], strict=False))


def checksum_text(fields: list[Field]) -> str:
    """The label and field contents joined with nothing between, object-list members included (§7)."""
    return "".join(f if isinstance(f, str) else "".join(f) for f in fields)
