"""Logging set-up: named loggers, a debug log in the state directory, and the one filter that redacts secrets."""
from __future__ import annotations

import logging
import logging.handlers
import os
import re
from pathlib import Path

# Values that must never reach a log line or an output: bearer tokens, JWTs, refresh tokens, client secrets.
# Each pattern keeps its first group (the label) and replaces the rest.
_SECRET_PATTERNS = [
    re.compile(r"(?i)(\b(?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]{6,}"),
    re.compile(r"()eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"),
    re.compile(
        r"(?i)((?:access_token|refresh_token|client_secret|secret_key|secret|password|token)['\"]?\s*[:=]\s*['\"]?)"
        r"[^\s'\"&,}]+"
    ),
    # An Authorization header with any scheme, as a header line or a dict/JSON item.
    re.compile(r"(?i)(\bauthorization['\"]?\s*[:=]\s*['\"]?)(?!\[REDACTED\])[^'\"\r\n]+"),
    # The OAuth redirect's one-time code and state, wherever a URL is logged.
    re.compile(r"(?i)([?&](?:code|state)=)[^&\s'\"]+"),
]
_known_secrets: set[str] = set()
_known_pattern: list[re.Pattern[str] | None] = [None]  # one alternation of every known secret, built on demand


def register_secret(value: str | None) -> None:
    """Remember a secret value so the filter removes it even where no pattern would recognise it."""
    if value and len(value) >= 6 and value not in _known_secrets:
        _known_secrets.add(value)
        _known_pattern[0] = None


def redact(text: str) -> str:
    if _known_secrets:
        known = _known_pattern[0]
        if known is None:  # longest first, so a secret that contains another goes whole
            ordered = sorted(_known_secrets, key=len, reverse=True)
            known = _known_pattern[0] = re.compile("|".join(map(re.escape, ordered)))
        text = known.sub("[REDACTED]", text)
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + "[REDACTED]", text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites every record's final message with secrets removed; installed on every handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_redacted", False):  # the console and the file handler share one record
            return True
        record._redacted = True
        message = record.getMessage()
        cleaned = redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.msg, record.args = cleaned, None
        return True


def configure(verbosity: int, state_dir: Path) -> Path:
    """Console logging by verbosity, plus a rotating log file for bug reports; returns the log file's path.

    The file takes INFO and up (with every crash's traceback); DEBUG (each HTTP exchange) only with `-vv`
    or KASSASYNC_DEBUG_LOG=1, because formatting and redacting every debug record costs a fleet run real CPU.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    console = logging.StreamHandler()
    console.setLevel({-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG))
    console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    console.addFilter(RedactingFilter())
    root.addHandler(console)
    file_level = logging.DEBUG if verbosity >= 2 or os.environ.get("KASSASYNC_DEBUG_LOG") else logging.INFO
    root.setLevel(min(console.level, file_level))
    for noisy in ("httpcore", "httpcore2", "hpack", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    log_dir = state_dir / "logs"
    log_path = log_dir / "kassasync-debug.log"
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        file_handler = logging.handlers.RotatingFileHandler(log_path, maxBytes=5_000_000, backupCount=3,
                                                            encoding="utf-8")
    except OSError:
        return log_path
    file_handler.setLevel(file_level)
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    file_handler.addFilter(RedactingFilter())
    root.addHandler(file_handler)
    return log_path
