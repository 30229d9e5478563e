"""Renderers for a Plan: text for a terminal, versioned JSON, Markdown for a pull request, GitHub annotations."""
from __future__ import annotations

import json
from collections import Counter
from functools import cache

import jinja2

from pipeline.diagnostics import Diagnostic, Location, Severity
from pipeline.plan.model import Plan, StorePlan

FORMATS = ("text", "json", "markdown", "github")
COMMENT_LIMIT = 60_000  # GitHub refuses comments over 65,536 characters
STATUS_ICONS = {"clean": ":white_check_mark:", "changes": ":yellow_circle:", "blocked": ":x:"}


def _status_words(store: StorePlan) -> str:
    parts = []
    for count, word in ((len(store.changes), "change"), (len(store.warnings), "warning"),
                        (len(store.blockers), "blocker")):
        if count:
            parts.append(f"{count} {word}{'' if count == 1 else 's'}")
    return ", ".join(parts) if parts else "no changes"


def md_escape(text: object) -> str:
    """Text that cannot break a Markdown table or smuggle HTML into the comment."""
    value = str(text)
    for raw, safe in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "\\|"), ("\n", " ")):
        value = value.replace(raw, safe)
    return value


@cache
def environment() -> jinja2.Environment:
    # Our own templates (not store files): strict undefined catches a typo in a template at test time.
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("pipeline", "templates"), undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, autoescape=False,
    )
    env.filters["md"] = md_escape
    env.filters["words"] = _status_words
    return env


def selection_args(plan: Plan, all_stores: bool = False) -> str:
    """The `--store` options that select the same stores again (for the apply command we suggest)."""
    if all_stores:
        return "--all"
    return " ".join(f"--store {s.store}" for s in plan.stores)


def _context(plan: Plan, all_stores: bool) -> dict[str, object]:
    counts = Counter(s.status for s in plan.stores)
    return {
        "plan": plan, "selection": selection_args(plan, all_stores), "headline": _headline(plan),
        "critical": sum(1 for s in plan.stores for c in s.changes if c.critical),
        "counts": {k: counts.get(k, 0) for k in ("clean", "changes", "blocked")},
        "status_icons": STATUS_ICONS,
    }


def render_text(plan: Plan, all_stores: bool = False) -> str:
    return environment().get_template("plan.txt.j2").render(**_context(plan, all_stores))


def render_markdown(plan: Plan, all_stores: bool = False, limit: int = COMMENT_LIMIT) -> str:
    """The pull-request comment; past `limit` characters only the summary table (GitHub refuses longer)."""
    template = environment().get_template("plan.md.j2")
    text = template.render(**_context(plan, all_stores), compact=False)
    if len(text) > limit:
        text = template.render(**_context(plan, all_stores), compact=True)
    return text


def _headline(plan: Plan) -> str:
    if plan.status == "blocked":
        return f"{plan.blockers} blocker{'s' if plan.blockers != 1 else ''} to fix by hand"
    if plan.status == "changes":
        return f"{plan.changes} change{'s' if plan.changes != 1 else ''} to apply"
    return "no changes"


def render_json(plan: Plan) -> str:
    return json.dumps(plan.to_json(), ensure_ascii=False, indent=2) + "\n"


def plan_diagnostics(plan: Plan) -> list[Diagnostic]:
    """Every change (notice), warning and blocker (error) as a Diagnostic on its store file."""
    found = []
    for s in plan.stores:
        where = Location(s.path or f"stores/{s.store}.yaml", 1, 1)
        for b in s.blockers:
            found.append(Diagnostic(where, Severity.ERROR, b.rule, f"{s.store}: {b.message}", b.fix))
        for w in s.warnings:
            found.append(Diagnostic(where, Severity.WARNING, w.rule, f"{s.store}: {w.message}", w.fix))
        for c in s.changes:
            found.append(Diagnostic(where, Severity.INFO, c.rule, f"{s.store}: plan will {c.summary}", c.reason))
    return found


def render_github(plan: Plan) -> str:
    return environment().get_template("plan.github.j2").render(diagnostics=plan_diagnostics(plan), plan=plan)


def render(plan: Plan, fmt: str, all_stores: bool = False) -> str:
    if fmt == "json":
        return render_json(plan)
    if fmt == "markdown":
        return render_markdown(plan, all_stores)
    if fmt == "github":
        return render_github(plan)
    return render_text(plan, all_stores)
