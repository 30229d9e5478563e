"""Writes the static status page: `<out>/index.html` (self-contained) and `<out>/status.json` beside it."""
from __future__ import annotations

import os
from pathlib import Path

from pipeline.errors import UserError
from pipeline.report.model import StatusModel
from pipeline.report.render import render_html, render_json


def write_site(model: StatusModel, out_dir: Path) -> Path:
    """Writes both files (each replaced atomically, so a web server never serves half a page); returns index.html."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        _write(out_dir / "status.json", render_json(model))
        return _write(out_dir / "index.html", render_html(model))
    except OSError as exc:
        raise UserError(f"cannot write the status page to {out_dir}: {exc.strerror or exc}",
                        "pass a directory you can write to with --out DIR") from exc


def _write(path: Path, text: str) -> Path:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
    return path
