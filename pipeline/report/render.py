"""Renders a StatusModel: text for people (`status`), versioned JSON (`status --format json`), HTML (`report`).

Text and HTML come from Jinja2 templates in pipeline/templates (status.txt.j2, report.html.j2); the
sentences both show (drift, missing days) are made here once.
"""
from __future__ import annotations

import json
from datetime import date, timedelta
from functools import cache

import jinja2
from markupsafe import Markup, escape

from pipeline.report.build import quarantine_fix
from pipeline.report.invoices import INVOICE_LABELS, INVOICE_MEANINGS, INVOICE_SYMBOLS
from pipeline.report.model import (
    DAY_STATES,
    JSON_FORMAT,
    STATE_LABELS,
    STATE_MEANINGS,
    STATE_SYMBOLS,
    DayRange,
    StatusModel,
    StoreStatus,
)

TEXT_DAYS = 31  # text output lists missing and failed days of the last 31 days; JSON has them all
FORMATS = ("text", "json")


@cache
def _environment(html: bool) -> jinja2.Environment:
    # Our own templates: strict undefined catches a typo at test time; HTML escapes every value.
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("pipeline", "templates"), undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, autoescape=html)
    env.globals.update(missing_text=missing_text, quarantine_fix=quarantine_fix, drift_text=drift_text, recent=recent, states=DAY_STATES,
                       labels=STATE_LABELS, symbols=STATE_SYMBOLS, meanings=STATE_MEANINGS,
                       invoice_symbols=INVOICE_SYMBOLS, invoice_labels=INVOICE_LABELS, invoice_meanings=INVOICE_MEANINGS,
                       invoice_classes={"booked": "posted", "failed": "failed", "held": "held", "waiting": "pending",
                                        "none": "not_started"})
    env.filters["plural"] = plural
    env.filters["ticks"] = ticks
    return env


def ticks(text: str) -> Markup:
    """HTML: escapes the text and shows `command` spans as <code> (messages write commands in backticks)."""
    parts = str(escape(text)).split("`")
    if len(parts) % 2 == 0:  # an odd number of backticks: leave them as they are
        return Markup(str(escape(text)))
    return Markup("".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts)))


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def recent(ranges: tuple[DayRange, ...], today: date, days: int = TEXT_DAYS) -> list[DayRange]:
    """The parts of these ranges within the last `days` days before today, newest first."""
    first = today - timedelta(days=days)
    return [DayRange(max(r.first, first), r.last) for r in ranges if r.last >= first]


def missing_text(store: StoreStatus, today: date, days: int = TEXT_DAYS) -> str:
    """One sentence on missing days: the recent runs, and the total since start."""
    if not store.missing:
        return "none"
    total = store.missing_days
    if store.first_file_day is None and store.info.start_date is not None:
        return (f"no day file has arrived since start_date {store.info.start_date.isoformat()} "
                f"({plural(total, 'day')})")
    shown = recent(store.missing, today, days)
    if not shown:
        return f"none in the last {days} days ({plural(total, 'day')} earlier; see --format json)"
    listed = ", ".join(str(r) for r in shown)
    in_window = sum(r.days for r in shown)
    text = f"{listed} ({plural(in_window, 'day')})"
    if total > in_window:
        text += f"; {total} in all since {store.missing[-1].first.isoformat()}"
    return text


def drift_text(model: StatusModel, store: StoreStatus) -> str:
    """One sentence on the store's drift in the last recorded plan."""
    if model.plan is None:
        return "no plan recorded"
    when = model.plan.recorded_at.strftime("%Y-%m-%d %H:%M UTC") if model.plan.recorded_at else "unknown time"
    drift = store.drift
    if drift is None:
        return f"not in the last plan ({when})"
    if drift.status == "blocked":
        return (f"blocked: {plural(drift.blockers, 'problem')} apply cannot fix (plan of {when}); "
                f"see `kassasync plan --store {store.store}`")
    if drift.status == "changes":
        return (f"{plural(drift.changes, 'change')} pending (plan of {when}); "
                f"review with `kassasync plan --store {store.store}`, then `kassasync apply --store {store.store}`")
    return f"none (plan of {when})"


def render_text(model: StatusModel) -> str:
    return _environment(False).get_template("status.txt.j2").render(model=model, totals=model.totals())


def render_html(model: StatusModel) -> str:
    return _environment(True).get_template("report.html.j2").render(model=model, totals=model.totals())


def to_json(model: StatusModel) -> dict[str, object]:
    return {
        "format": JSON_FORMAT,
        "today": model.today.isoformat(),
        "generated_at": model.generated_at.isoformat(timespec="seconds") if model.generated_at else None,
        "window": {"from": model.window[0].isoformat(), "to": model.window[-1].isoformat()} if model.window
        else None,
        "plan": model.plan.to_json() if model.plan else None,
        "summary": model.totals(),
        "stores": [_store_json(s) for s in model.stores],
    }


def _store_json(s: StoreStatus) -> dict[str, object]:
    iso = (lambda d: d.isoformat() if d else None)  # noqa: E731 - a local shorthand
    return {
        "store": s.store, "name": s.info.name, "configured": s.info.configured,
        "start_date": iso(s.info.start_date), "last_posted_day": iso(s.last_posted_day),
        "first_file_day": iso(s.first_file_day), "posted_days": s.posted_days,
        "needs_attention": s.needs_attention, "inbox_files": s.inbox_files,
        "failed": [c.to_json() for c in s.failed],
        "held": [c.to_json() for c in s.held],
        "pending": [c.to_json() for c in s.pending],
        "settling": [f.to_json() for f in s.settling],
        "before_start": [c.to_json() for c in s.before_start],
        "missing": [r.to_json() for r in s.missing], "missing_days": s.missing_days,
        "not_started": s.not_started.to_json() if s.not_started else None,
        "quarantined_undated": [{"name": f.name, "path": f.path, "note": f.note} for f in s.undated],
        "drift": s.drift.to_json() if s.drift else None,
        "reconciled": s.reconciled.to_json() if s.reconciled else None,
        "days": [c.to_json() for c in s.cells],
        "invoices": s.invoices.to_json() if s.invoices else None,
        "jobs": s.jobs.to_json() if s.jobs else None,
    }


def render_json(model: StatusModel) -> str:
    return json.dumps(to_json(model), ensure_ascii=False, indent=2) + "\n"


def render(model: StatusModel, fmt: str) -> str:
    return render_json(model) if fmt == "json" else render_text(model)
