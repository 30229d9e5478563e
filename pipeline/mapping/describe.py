"""The voucher's description from the store's template (the config stage's sandboxed renderer)."""
from __future__ import annotations

from datetime import date

from pipeline.config.description import render_voucher_description
from pipeline.config.model import StoreConfig

MAX_DESCRIPTION = 200  # Fortnox: Description is 1-200 characters


def describe(config: StoreConfig, *, business_date: date, z_report: str = "", voucher_text: str = "",
             count: int = 1) -> str:
    text = render_voucher_description(config, business_date=business_date, z_report=z_report,
                                      voucher_text=voucher_text, count=count).strip()
    return (text or f"Dagskassa {business_date}")[:MAX_DESCRIPTION]
