"""The invoice stream's store-file rules (KS130-KS137): the invoice layer's own checks, registered with `validate`."""
from __future__ import annotations

from collections.abc import Callable, Iterator

from pipeline.config.located import YDict
from pipeline.config.model import StoreConfig
from pipeline.config.rules import Finding, rule
from pipeline.invoices.rules import PROPOSED_RULES, SetupProblem, setup_problems


def _problems(config: StoreConfig, doc: YDict) -> list[SetupProblem]:
    """The invoice layer's findings for the store (pipeline.invoices.rules, which owns them)."""
    if config.invoices is None and isinstance(doc.get("invoices"), dict):
        return []  # the section is there but unusable: KS105 already said why, at its key
    return setup_problems(config, config.invoices)


def _check(rule_id: str) -> Callable[[StoreConfig, YDict], Iterator[Finding]]:
    def check(config: StoreConfig, doc: YDict) -> Iterator[Finding]:
        for problem in _problems(config, doc):
            if problem.rule == rule_id:
                yield Finding(problem.path, problem.message, problem.hint)
    check.__name__ = f"_invoice_{rule_id.lower()}"
    return check


_HINT = "docs/invoices.md explains the invoices: section and its guard modes"
for _rule_id, (_severity, _title) in PROPOSED_RULES.items():
    rule(_rule_id, _title, _HINT, _severity)(_check(_rule_id))
