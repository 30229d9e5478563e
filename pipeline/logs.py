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


class _KnownSecrets:
    """Secret values seen at run time (refresh tokens, client secrets) that no pattern would recognise.

    Each is filed under its first six characters (a secret is at least six long), so finding them in a text
    is one dictionary look-up per position, however many are known. (One regular expression over all of them
    had to be compiled again as they grew: a fleet worker registers a few per store it syncs, and 6,000 cost
    3.2 s of CPU that way, 0.15 s this way.)
    """

    PREFIX = 6

    def __init__(self) -> None:
        self.by_prefix: dict[str, list[str]] = {}

    def __bool__(self) -> bool:
        return bool(self.by_prefix)

    def add(self, value: str) -> None:
        same = self.by_prefix.setdefault(value[:self.PREFIX], [])
        if value not in same:
            same.append(value)
            same.sort(key=len, reverse=True)  # longest first: a secret that starts another is not cut short

    def remove_from(self, text: str) -> str:
        """The text with every known secret replaced, leftmost first (as a regular expression would)."""
        pieces: list[str] = []
        done = at = 0
        last = len(text) - self.PREFIX
        while at <= last:
            candidates = self.by_prefix.get(text[at:at + self.PREFIX])
            found = next((s for s in candidates if text.startswith(s, at)), None) if candidates else None
            if found is None:
                at += 1
                continue
            pieces += (text[done:at], "[REDACTED]")
            at = done = at + len(found)
        return "".join(pieces) + text[done:] if pieces else text


_known = _KnownSecrets()


def register_secret(value: str | None) -> None:
    """Remember a secret value so the filter removes it even where no pattern would recognise it."""
    if value and len(value) >= 6:
        _known.add(value)


def redact(text: str) -> str:
    if _known:
        text = _known.remove_from(text)
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
        if isinstance(handler, logging.FileHandler):  # an earlier configure's log file (tests, the demo)
            handler.close()
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
