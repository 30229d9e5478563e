"""Status and the static HTML status page: what was posted, failed, missing or waiting, per store and day.

`collect_status` reads store files, the ledger and the last plan into a `StatusModel` (built purely by
`build_status`); `render` turns it into text or versioned JSON, `write_site` into `index.html`.
"""
from pipeline.report.build import build_status
from pipeline.report.collect import collect_status
from pipeline.report.model import StatusModel, StoreInfo
from pipeline.report.render import render_html, render_json, render_text
from pipeline.report.site import write_site

__all__ = ["StatusModel", "StoreInfo", "build_status", "collect_status", "render_html", "render_json",
           "render_text", "write_site"]
