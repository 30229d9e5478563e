"""One shape for every finding a person reads: `path:line:col: severity RULE message` plus a hint line."""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, order=True)
class Location:
    """Where a value sits in a file; line and column are 1-based (0 when unknown)."""

    path: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.col or 1}"
        return self.path


@dataclass(frozen=True)
class Diagnostic:
    location: Location
    severity: Severity
    rule: str
    message: str
    hint: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def render(self) -> str:
        text = f"{self.location}: {self.severity.value} {self.rule} {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["severity"] = self.severity.value
        data["location"] = {"path": self.location.path, "line": self.location.line, "col": self.location.col}
        return data

    def render_github(self) -> str:
        """A GitHub Actions workflow command, so the finding shows on the changed line of the pull request."""
        level = {"error": "error", "warning": "warning", "info": "notice"}[self.severity.value]
        message = self.message + (f" Hint: {self.hint}" if self.hint else "")
        message = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        props = f"file={self.location.path},line={self.location.line or 1},col={self.location.col or 1}"
        return f"::{level} {props},title={self.rule}::{message}"


def render_json(diagnostics: Iterable[Diagnostic], **extra: object) -> str:
    """The versioned JSON document for a list of diagnostics (`format` 1)."""
    items = [d.to_json() for d in diagnostics]
    errors = sum(1 for d in items if d["severity"] == "error")
    doc = {"format": 1, **extra, "errors": errors, "warnings": len(items) - errors, "diagnostics": items}
    return json.dumps(doc, ensure_ascii=False, indent=2)
