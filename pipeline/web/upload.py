"""`PUT /upload/<store>/<file name>`: a till sends one SIE day file; it lands in `inbox/<store>/`, settled.

Checks in this order, so a refusal costs as little as possible: the bearer token (401), the store in the path
(403), the size (413, from Content-Length before reading, then counted while streaming), the file's name and
content (422: not SIE, another company's #ORGNR), the same content again (200, "already received").
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import secrets
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from pipeline.config.model import StoreConfig, norm_org_number
from pipeline.runner.dayfile import DayFile, belongs, org_owners
from pipeline.runner.inbox import SUFFIXES
from pipeline.sie import SieDocument, read_sie
from pipeline.web.context import web

log = logging.getLogger("kassasync.web.upload")
JSON_FORMAT = 1
# Longer than any settle time a store may ask for (inbox.settle_seconds is at most a day), with room for a
# file-system clock that runs a little behind this machine's.
SETTLED_AGE_SECONDS = 86400 + 3600
_BAD_NAME = re.compile(r"[\\/\x00-\x1f]")


def same_org_number(file_org: str | None, store_org: str) -> bool | None:
    """Whether a day file's #ORGNR is the store's (None: the file has none). The one comparison uploads use;
    it calls plan's normalisation so `556677-8899`, `5566778899` and `16556677-8899` are one number."""
    if not (file_org or "").strip():
        return None
    return norm_org_number(file_org) == norm_org_number(store_org)


def mark_settled(path: Path) -> None:
    """Tells the runner the file is complete: its modification time is set back beyond any settle time.

    The runner reads a day file only once its size and mtime have stood still for `inbox.settle_seconds`
    (issue 11); an upload is complete the moment it is renamed into place, so it need not wait."""
    past = time.time() - SETTLED_AGE_SECONDS
    os.utime(path, (past, past))


def write_settled(folder: Path, name: str, content: bytes) -> Path:
    """Writes the file atomically: a dot-named temporary file in the same folder (never read by the runner),
    flushed to disk, marked settled, then renamed over the final name."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    temporary = folder / f".{name}.{secrets.token_hex(4)}.part"
    try:
        with open(temporary, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        mark_settled(temporary)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return target


def refusal(status: int, code: str, message: str, hint: str) -> JSONResponse:
    return JSONResponse({"format": JSON_FORMAT, "status": "refused", "code": code, "message": message,
                         "hint": hint}, status_code=status)


def bad_name(name: str) -> str | None:
    """Why a file name cannot be a day file in the inbox, or None."""
    if _BAD_NAME.search(name) or name.startswith((".", "~")) or len(name) > 200:
        return "the file name must be a plain name (no folders, not starting with a dot), at most 200 characters"
    if not name.lower().endswith(SUFFIXES):
        return "a day file's name ends in .se or .si (the POS's SIE export)"
    return None


async def read_limited(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it passes `limit` bytes (nothing more is read)."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def summary(doc: SieDocument, config: StoreConfig) -> dict[str, Any]:
    """What the till is told about a file it sent: its days, Z-reports with totals, and whose it is."""
    reports = []
    grand = Decimal(0)
    for voucher in doc.vouchers:
        debit = sum((r.amount for r in voucher.rows if r.amount > 0), Decimal(0))
        grand += debit
        reports.append({"id": voucher.voucher_id, "series": voucher.series, "number": voucher.number,
                        "date": voucher.date.isoformat(), "text": voucher.text, "rows": len(voucher.rows),
                        "total": f"{debit:.2f}", "balanced": voucher.is_balanced})
    days = sorted({v.date for v in doc.vouchers})
    return {"business_dates": [d.isoformat() for d in days], "z_reports": reports,
            "total": f"{grand:.2f}",
            "org_number": doc.org_number, "company": doc.company,
            "org_number_matches": same_org_number(doc.org_number, config.org_number)}


async def examine(content: bytes, name: str, config: StoreConfig) -> tuple[SieDocument | None, str]:
    """The parsed document, or None and why it is not a usable SIE day file."""
    try:
        doc = await asyncio.to_thread(read_sie, content, name=name, policy="lenient")
    except Exception as exc:  # noqa: BLE001 - any reader failure means the same to the till: not a day file
        return None, f"the SIE reader failed: {type(exc).__name__}: {exc}"
    if doc.rejected or not (doc.sie_type_declared or doc.flag is not None or doc.program):
        reasons = [d.render() for d in doc.diagnostics if d.is_error][:3]
        return None, "; ".join(reasons) or "the file is not a SIE file"
    if not doc.vouchers:
        return None, "the file holds no #VER (no Z-report): export the day's SIE 4 file (with vouchers) from the POS"
    return doc, ""


def digest_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


async def put_day_file(request: Request) -> JSONResponse:
    """The upload endpoint; the JSON answer is documented in docs/web.md (format 1)."""
    ctx = web(request)
    store, name = request.path_params["store"], request.path_params["name"]
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    owner = ctx.state.store_of_token(token) if token else None
    if owner is None:
        return refusal(401, "bad_token", "the upload token is missing or wrong",
                       f"put the store's current token in the file beside the script; a new one comes from "
                       f"`kassasync onboard upload-token --store {store}` (it replaces the old one)")
    if owner != store:
        return refusal(403, "other_store", f"this token belongs to store {owner}, not {store}",
                       f"upload to /upload/{owner}/<file name>, or use store {store}'s own token")
    limit = ctx.config.upload_limit
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        return refusal(413, "too_large", f"the file is larger than the limit of {limit} bytes",
                       "send one day's SIE file at a time; the limit is KASSASYNC_UPLOAD_MAX_BYTES on the server")
    why = bad_name(name)
    config = ctx.store_config(store)
    if config is None:
        return refusal(503, "store_unavailable", f"store {store}'s file is missing or has errors on the server",
                       "tell your reseller: `kassasync validate` shows what to fix; then send the file again")
    content = await read_limited(request, limit)
    if content is None:
        return refusal(413, "too_large", f"the file is larger than the limit of {limit} bytes",
                       "send one day's SIE file at a time; the limit is KASSASYNC_UPLOAD_MAX_BYTES on the server")
    if why:
        return refusal(422, "bad_name", f"{name}: {why}", "send the SIE file the POS exported, under its own name")
    doc, problem = await examine(content, name, config)
    if doc is None:
        return refusal(422, "not_sie", f"{name} is not a SIE day file: {problem}",
                       "send the file the POS writes at the day's close (Arkiv → Exportera SIE), not another file")
    answer = summary(doc, config)
    refused = belongs(config, DayFile(list(doc.vouchers), "", (doc.org_number or "").strip() or None, 0, doc.company),
                      owner=org_owners(None, ctx.config.settings.stores_dir))
    if refused is not None and refused.rule in ("KS314", "KS317"):  # the runner would quarantine it: say so now
        code = "other_company" if refused.rule == "KS314" else "no_org_number"
        return refusal(422, code, f"{name}: {refused.message}", refused.hint)
    digest = digest_of(content)
    earlier = ctx.state.received(store, digest)
    if earlier is not None:
        return JSONResponse({"format": JSON_FORMAT, "status": "already received", "store": store, "file": name,
                             "received_as": earlier, "sha256": digest, **answer})
    folder = ctx.config.settings.inbox_dir / store
    await asyncio.to_thread(write_settled, folder, name, content)
    ctx.state.record_upload(store, digest, name, len(content))
    log.info("store %s: received %s (%d bytes, %s)", store, name, len(content), ", ".join(answer["business_dates"]))
    return JSONResponse({"format": JSON_FORMAT, "status": "received", "store": store, "file": name,
                         "sha256": digest, **answer}, status_code=201)
