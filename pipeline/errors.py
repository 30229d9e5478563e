"""The one base for failures a user can act on: the CLI turns these into exit code 1, never a traceback."""
from __future__ import annotations


class UserError(Exception):
    """An expected failure with a message that says what is wrong and what to do next."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"
