"""A server-rendered SVG sparkline of daily sales: a missing or tiny day shows at a glance, no JavaScript."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Bar:
    day: date
    amount: Decimal | None  # None: no sales recorded that day
    x: float
    y: float
    height: float


def bars(days: Sequence[date], sales: Mapping[date, Decimal], *, width: int = 360, height: int = 48) -> list[Bar]:
    """One bar per day, scaled to the largest day; a day without sales gets no bar (a gap), not a zero."""
    top = max((a for a in sales.values() if a > 0), default=Decimal(0))
    step = width / max(1, len(days))
    found = []
    for index, day in enumerate(days):
        amount = sales.get(day)
        tall = 0.0 if amount is None or top == 0 or amount <= 0 else max(1.0, float(amount / top) * (height - 2))
        found.append(Bar(day, amount, round(index * step, 2), round(height - tall, 2), round(tall, 2)))
    return found


def svg(days: Sequence[date], sales: Mapping[date, Decimal], *, width: int = 360, height: int = 48) -> str:
    """The sparkline as an inline SVG element; each bar carries its date and amount as a tooltip."""
    found = bars(days, sales, width=width, height=height)
    step = width / max(1, len(days))
    parts = [f'<svg class="spark" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="daily sales, last {len(days)} days">',
             f'<line x1="0" y1="{height - 0.5}" x2="{width}" y2="{height - 0.5}" class="axis"/>']
    for bar in found:
        label = f"{bar.day.isoformat()}: " + (f"{bar.amount:.2f}" if bar.amount is not None else "no sales")
        css = "gap" if bar.amount is None else "bar"
        shown = bar.height if bar.amount is not None else 3.0
        y = bar.y if bar.amount is not None else height - 3.0
        parts.append(f'<rect class="{css}" x="{bar.x}" y="{y}" width="{max(1.0, step - 1):.2f}" height="{shown}">'
                     f"<title>{label}</title></rect>")
    parts.append("</svg>")
    return "".join(parts)
