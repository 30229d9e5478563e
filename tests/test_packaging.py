"""The wheel's contents as pyproject.toml declares them: every subpackage listed, the runtime data inside."""
from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import setuptools

ROOT = Path(__file__).resolve().parents[1]
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_subpackage_is_listed_for_the_wheel() -> None:
    # The packages are listed (pipeline.examples is examples/ mapped into the package), so a new
    # subpackage must be added by hand; otherwise the wheel would lack it.
    found = set(setuptools.find_packages(str(ROOT), include=["pipeline*"]))
    assert set(SETUPTOOLS["packages"]) == found | {"pipeline.examples"}
    assert SETUPTOOLS["package-dir"] == {"pipeline.examples": "examples"}


def test_runtime_data_is_read_from_the_package() -> None:
    config = resources.files("pipeline.config")
    assert config.joinpath("store.schema.json").is_file()
    assert resources.files("pipeline").joinpath("templates", "pos_sheet.txt.j2").is_file()


def test_the_ledger_migrations_are_in_the_package() -> None:
    # Alembic finds them as package resources ("pipeline.ledger:migrations"), so the wheel must carry them
    from pipeline.ledger import migrate

    migrations = resources.files("pipeline.ledger.migrations")
    assert migrations.joinpath("env.py").is_file() and migrations.joinpath("script.py.mako").is_file()
    shipped = sorted(p.name for p in migrations.joinpath("versions").iterdir() if p.name.endswith(".py")
                     and p.name != "__init__.py")
    assert shipped == [f"{name}.py" for name, _ in migrate.REVISION_TABLES]
    assert "*.mako" in SETUPTOOLS["package-data"]["*"]


def test_the_examples_the_demo_runs_on() -> None:
    from pipeline.cli.demo import examples_dir

    examples = examples_dir()
    assert examples == ROOT / "examples"  # an editable install: the checkout's folder
    assert sorted(p.name for p in (examples / "stores").glob("*.yaml")) == [
        "hamnens-delikatesser.yaml", "kartbutiken-uppsala.yaml", "sjobodens-krog.yaml"]
    assert (examples / "corrections").is_dir() and len([p for p in (examples / "inbox").glob("*/*") if p.is_file()]) == 14
    # the invoice stream's example: the till's CSV exports of one store
    assert sorted(p.name for p in (examples / "inbox").glob("*/invoices/*")) == [
        "fakturor_20261124.csv", "fakturor_20261126.csv"]
