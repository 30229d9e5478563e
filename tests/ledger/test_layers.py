"""The ledger is a layer: it imports only what lies below it, nothing below it imports the ledger, and no module
reaches the ledger by its old place in the runner."""
from __future__ import annotations

import ast
from pathlib import Path

PIPELINE = Path(__file__).resolve().parents[2] / "pipeline"
# Layers, bottom up (DESIGN.md): config, sie -> mapping, invoices -> fortnox, ledger -> plan, runner, ...;
# top-level helper modules (pipeline.errors, pipeline.settings, ...) sit under all of them.
BELOW_LEDGER = ("config", "sie", "mapping", "invoices", "fortnox")
ABOVE_LEDGER = ("plan", "runner", "fleet", "report", "web", "cli", "sandbox")


def _imports(path: Path) -> set[str]:
    """The pipeline modules a file imports (at any depth: lazy imports inside functions count too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("pipeline.")}


def _layer(module: str) -> str:
    return module.split(".")[1]


def test_the_ledger_imports_nothing_above_it() -> None:
    wrong = {f"{path.relative_to(PIPELINE)}: {module}"
             for path in (PIPELINE / "ledger").rglob("*.py") for module in _imports(path)
             if _layer(module) in ABOVE_LEDGER}
    assert wrong == set()


def test_nothing_below_the_ledger_imports_it() -> None:
    wrong = {f"{path.relative_to(PIPELINE)}: {module}"
             for layer in BELOW_LEDGER for path in (PIPELINE / layer).rglob("*.py") for module in _imports(path)
             if _layer(module) in ("ledger", *ABOVE_LEDGER)}
    assert wrong == set()


def test_no_module_uses_the_ledgers_old_place() -> None:
    old = ("pipeline.runner.ledger", "pipeline.runner.tables", "pipeline.runner.statements",
           "pipeline.runner.ledger_file", "pipeline.runner.ledger_fortnox", "pipeline.web.tables")
    tests = PIPELINE.parent / "tests"
    wrong = {f"{path}: {module}" for root in (PIPELINE, tests, PIPELINE.parent / "bench")
             for path in root.rglob("*.py") for module in _imports(path) if module.startswith(old)}
    assert wrong == set()
