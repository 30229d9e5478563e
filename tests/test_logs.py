"""The redacting filter: registered secrets and token-shaped values never reach a log line."""
from __future__ import annotations

import logging

from pipeline import logs


def test_registered_secrets_are_removed_and_the_matcher_is_rebuilt_rarely() -> None:
    known = logs._KnownSecrets()
    secrets = [f"opaque-refresh-{n:05d}-Zq8" for n in range(1000)]
    for secret in secrets:  # a fleet run: one token per store, each logged right after it arrives
        known.add(secret)
        assert known.remove_from(f"refreshed with {secret}.") == "refreshed with [REDACTED]."
    assert known.remove_from(" ".join(secrets[::97])).split() == ["[REDACTED]"] * len(secrets[::97])
    assert known.builds <= 10  # rebuilt when the uncompiled part outgrows the compiled: O(log n), not O(n)


def test_longer_secret_containing_a_shorter_one_goes_whole() -> None:
    known = logs._KnownSecrets()
    for value in ["abcdef", "xxabcdefyy"] + [f"pad-{n:04d}-secret" for n in range(20)]:
        known.add(value)
    assert known.remove_from("token xxabcdefyy end") == "token [REDACTED] end"


def test_filter_redacts_patterns_in_messages_and_arguments(caplog) -> None:  # noqa: ANN001
    logger = logging.getLogger("kassasync.test")
    handler = logging.Handler()
    seen: list[str] = []
    handler.emit = lambda record: seen.append(record.getMessage())  # type: ignore[method-assign]
    handler.addFilter(logs.RedactingFilter())
    logger.addHandler(handler)
    try:
        logger.warning("sent %s", {"Authorization": "Bearer abc.def-123456", "refresh_token": "r-0123456789"})
    finally:
        logger.removeHandler(handler)
    assert seen and "abc.def-123456" not in seen[0] and "r-0123456789" not in seen[0]
