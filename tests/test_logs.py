"""The redacting filter: registered secrets and token-shaped values never reach a log line."""
from __future__ import annotations

import logging

from pipeline import logs


def test_registered_secrets_are_removed_however_many_are_known() -> None:
    known = logs._KnownSecrets()
    secrets = [f"opaque-refresh-{n:05d}-Zq8" for n in range(5000)]  # one prefix shared by all of them
    for secret in secrets:  # a fleet worker's night: tokens per store, each logged right after it arrives
        known.add(secret)
        assert known.remove_from(f"refreshed with {secret}.") == "refreshed with [REDACTED]."
    assert known.remove_from(" ".join(secrets[::97])).split() == ["[REDACTED]"] * len(secrets[::97])
    assert known.remove_from("opaque-refresh-99999-Zq8 opaque") == "opaque-refresh-99999-Zq8 opaque"


def test_secrets_next_to_each_other_and_at_the_ends_are_all_removed() -> None:
    known = logs._KnownSecrets()
    for value in ["s3cr3t", "t0k3n-value"]:
        known.add(value)
    assert known.remove_from("s3cr3tt0k3n-value") == "[REDACTED][REDACTED]"
    assert known.remove_from("s3cr3") == "s3cr3"
    assert known.remove_from("xs3cr3t") == "x[REDACTED]"


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
