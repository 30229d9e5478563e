"""The voucher's description from the store's template (config's sandboxed renderer), cut to Fortnox's 200."""
from __future__ import annotations

from datetime import date

from pipeline.config.model import StoreConfig

MAX_DESCRIPTION = 200  # Fortnox: Description is 1-200 characters


def describe(config: StoreConfig, *, business_date: date, z_report: str = "", voucher_text: str = "",
             count: int = 1) -> str:
    text = _render(config, business_date=business_date, z_report=z_report, voucher_text=voucher_text,
                   count=count).strip()
    return (text or f"Dagskassa {business_date}")[:MAX_DESCRIPTION]


def _render(config: StoreConfig, **values: object) -> str:
    try:
        from pipeline.config.description import render_voucher_description
    except ImportError:  # the config stage's renderer not there yet: the same sandboxed rendering here
        return _fallback(config, **values)
    return render_voucher_description(config, **values)  # type: ignore[arg-type]


def _fallback(config: StoreConfig, *, business_date: date, z_report: str, voucher_text: str, count: int) -> str:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
    store = {"id": config.store, "store": config.store, "name": config.name, "cost_center": config.cost_center}
    return env.from_string(config.voucher_description).render(
        date=business_date.isoformat(), store=store, z_report=z_report, voucher_text=voucher_text, count=count)
