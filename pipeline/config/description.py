"""The voucher description template (`voucher.description`): sandboxed Jinja2, checked and rendered here.

Store files are edited by people outside the engineering team, so the template runs in a sandbox with
undefined variables as errors, and only simple constructs are accepted (no loops, calls or arithmetic
that could make a 200-character text take minutes or gigabytes). The one filter that can multiply a
text, `replace`, is bounded (MAX_INTERMEDIATE characters per use), and so is the template's length
(MAX_TEMPLATE): together they cap the output and the work, when `validate` renders the template and
when the runner does.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from pipeline.config.model import StoreConfig

log = logging.getLogger("kassasync.config")

FORTNOX_DESCRIPTION_MAX = 200  # Fortnox's limit for a voucher's Description
KNOWN_VARIABLES = ("date", "store", "z_report", "voucher_text", "count")
STORE_ATTRIBUTES = ("store", "name", "org_number", "cost_center")
# The longest values the runner passes: a SIE #VER id, a SIE voucher text (Fortnox caps those at 50) and
# the number of Z-reports in one day.
LONGEST_Z_REPORT = "9" * 20
LONGEST_VOUCHER_TEXT = "X" * 50
LONGEST_COUNT = 999

_ALLOWED_NODES = (
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name, nodes.Getattr, nodes.Const,
    nodes.Filter, nodes.If, nodes.CondExpr, nodes.Compare, nodes.Operand, nodes.And, nodes.Or, nodes.Not,
    nodes.Concat, nodes.Add, nodes.Test, nodes.Keyword,
)
_ALLOWED_FILTERS = frozenset({"upper", "lower", "title", "capitalize", "trim", "truncate", "replace",
                              "default", "d", "string", "first", "last", "length", "int"})
_ALLOWED_TESTS = frozenset({"defined", "none", "number", "string", "eq", "ne"})
_MAX_CONST = 1000
MAX_TEMPLATE = 2000  # characters of template text; a 200-character description needs far fewer
MAX_INTERMEDIATE = 10_000  # characters one `replace` may produce; nested replaces otherwise grow without bound


class DescriptionError(ValueError):
    """The template cannot be used; the message says why in words a store editor understands."""


@dataclass(frozen=True)
class StoreVars:
    """What `{{ store.* }}` offers in the template."""

    store: str
    name: str
    org_number: str
    cost_center: str


def _bounded_replace(value: Any, old: Any, new: Any, count: int | None = None) -> str:
    """Jinja's `replace`, refused before it builds a text longer than MAX_INTERMEDIATE characters."""
    text, old, new = str(value), str(old), str(new)
    found = text.count(old) if old else len(text) + 1  # "" matches between every two characters
    if count is not None and count >= 0:
        found = min(found, count)
    size = len(text) + found * (len(new) - len(old))
    if size > MAX_INTERMEDIATE:
        raise DescriptionError(f"`replace` would make a text of {size} characters (limit {MAX_INTERMEDIATE}); "
                               "a voucher text needs at most 200")
    return text.replace(old, new, -1 if count is None else count)


_env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
_env.filters["replace"] = _bounded_replace


@lru_cache(maxsize=4096)
def _compile(source: str) -> Any:
    # One environment per process and one compiled template per distinct text: validating 2,000 stores
    # that share a profile's template compiles it once.
    check_template(source)
    return _env.from_string(source)


def check_template(source: str) -> None:
    """Raise DescriptionError when the template does not compile, or uses an unknown variable or construct."""
    if len(source) > MAX_TEMPLATE:
        raise DescriptionError(f"the template is {len(source)} characters long (limit {MAX_TEMPLATE}); the "
                               f"description it makes may be at most {FORTNOX_DESCRIPTION_MAX}")
    try:
        tree = _env.parse(source)
    except TemplateSyntaxError as exc:
        raise DescriptionError(f"the template does not compile: {exc.message} (line {exc.lineno})") from exc
    for node in tree.find_all(nodes.Node):
        if not isinstance(node, _ALLOWED_NODES):
            raise DescriptionError(f"the template uses `{type(node).__name__}`, which a voucher text does not "
                                   "need (allowed: variables, filters, if/else)")
        if isinstance(node, nodes.Name) and node.name not in KNOWN_VARIABLES:
            raise DescriptionError(f"unknown variable `{node.name}`; known: " + ", ".join(KNOWN_VARIABLES))
        if isinstance(node, nodes.Getattr) and not (
                isinstance(node.node, nodes.Name) and node.node.name == "store" and node.attr in STORE_ATTRIBUTES):
            raise DescriptionError(f"unknown variable `{_dotted(node)}`; known: "
                                   + ", ".join(f"store.{a}" for a in STORE_ATTRIBUTES))
        if isinstance(node, nodes.Filter) and node.name not in _ALLOWED_FILTERS:
            raise DescriptionError(f"filter `{node.name}` is not allowed; allowed: "
                                   + ", ".join(sorted(_ALLOWED_FILTERS)))
        if isinstance(node, nodes.Test) and node.name not in _ALLOWED_TESTS:
            raise DescriptionError(f"test `{node.name}` is not allowed")
        if isinstance(node, nodes.Const) and isinstance(node.value, int | float) \
                and abs(node.value) > _MAX_CONST:
            raise DescriptionError(f"the number {node.value} is larger than a voucher text needs")


def _dotted(node: nodes.Node) -> str:
    if isinstance(node, nodes.Getattr):
        return f"{_dotted(node.node)}.{node.attr}"
    return node.name if isinstance(node, nodes.Name) else "…"


def store_vars(config: StoreConfig) -> StoreVars:
    return StoreVars(config.store, config.name, config.org_number, config.cost_center or "")


def _variables(config: StoreConfig, day: str, z_report: str, voucher_text: str, count: int) -> dict[str, Any]:
    """What the template sees (KNOWN_VARIABLES)."""
    return {"date": day, "store": store_vars(config), "z_report": z_report, "voucher_text": voucher_text,
            "count": count}


def _render(source: str, values: dict[str, Any]) -> str:
    try:
        text = _compile(source).render(values)
    except DescriptionError:
        raise
    except (TemplateError, ArithmeticError, ValueError, TypeError, LookupError) as exc:
        raise DescriptionError(f"the template fails when rendered: {exc}") from exc
    return " ".join(text.split())  # one line: Fortnox shows the description in a single field


def longest_rendering(config: StoreConfig) -> str:
    """The longest text the template can produce for this store (both long and short runner values)."""
    renderings = []
    for z_report, voucher_text, count in (("", "", 1), (LONGEST_Z_REPORT, LONGEST_VOUCHER_TEXT, LONGEST_COUNT)):
        renderings.append(_render(config.voucher_description,
                                  _variables(config, "2026-12-31", z_report, voucher_text, count)))
    return max(renderings, key=len)


def render_voucher_description(config: StoreConfig, *, business_date: date, z_report: str = "",
                               voucher_text: str = "", count: int = 1) -> str:
    """The voucher description for one voucher of this store (raises DescriptionError on a broken template)."""
    text = _render(config.voucher_description,
                   _variables(config, business_date.isoformat(), z_report, voucher_text, count))
    if len(text) > FORTNOX_DESCRIPTION_MAX:
        # Validation guarantees the limit for runner values within the LONGEST_* bounds; beyond them,
        # cut rather than have Fortnox reject the voucher.
        log.warning("voucher description for %s is %d characters; cut to %d",
                    config.store, len(text), FORTNOX_DESCRIPTION_MAX)
        text = text[:FORTNOX_DESCRIPTION_MAX]
    return text
