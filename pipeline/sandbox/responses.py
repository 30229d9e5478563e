"""Responses in Fortnox's shapes: JSON with \\u escapes, ErrorInformation with its casing quirk, HTML pages."""
from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from pipeline.fortnox.codes import ErrorCode, MessageCase
from pipeline.sandbox import errors

Refusal = ErrorCode | MessageCase  # a MessageCase is answered with its placeholder code (sandbox/errors.py)


def json_response(body: Any, status: int = 200, content_type: str = "application/json") -> Response:
    # Fortnox escapes non-ASCII as \u00e4 (recorded exchanges), so keep json's default ensure_ascii.
    return Response(json.dumps(body, separators=(",", ":")), status_code=status, media_type=content_type)


def error_information(refusal: Refusal, status: int | None = None, detail: str | None = None,
                      fmt: dict[str, str] | None = None) -> dict[str, Any]:
    code = errors.answer(refusal) if isinstance(refusal, MessageCase) else refusal
    status = code.http_status if status is None else status
    message = code.message.format(**fmt) if fmt else code.message
    if detail:
        message = f"{message} ({detail})"
    if status == 404:
        # Real 404 bodies capitalise the inner keys; 400 bodies use lower case (fortnox-api.md §4.1).
        return {"ErrorInformation": {"Error": 1, "Message": message, "Code": code.code}}
    return {"ErrorInformation": {"error": 1, "message": message, "code": code.code}}


def fortnox_error(refusal: Refusal, detail: str | None = None, status: int | None = None,
                  fmt: dict[str, str] | None = None) -> Response:
    status = refusal.http_status if status is None else status
    return json_response(error_information(refusal, status, detail, fmt), status)


def unauthorized() -> Response:
    """An expired, revoked or malformed access token on /3: not an ErrorInformation body (§1.4)."""
    return json_response({"message": "unauthorized"}, 401)


def too_many_requests() -> Response:
    # The real 429 body and headers are unknown (§2); a small body and no Retry-After keeps clients honest.
    return json_response({"message": "Too Many Requests"}, 429)


def oauth_error(status: int, error: str, description: str, content_type: str = "application/json") -> Response:
    return json_response({"error": error, "error_description": description}, status, content_type)


def html_page(status: int, title: str, text: str) -> Response:
    body = (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>"
            f"<body><h1>{title}</h1><p>{text}</p></body></html>")
    return Response(body, status_code=status, media_type="text/html")
