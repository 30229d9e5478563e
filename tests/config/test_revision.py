"""The git commit of each store file (pipeline/config/revision.py), in a repository made in the test's folder."""
from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from config_helpers import STORES
from git_repo import commit_all, git

from pipeline.config import load_stores
from pipeline.config.revision import revisions, with_revisions


def _files(stores: Path, *names: str) -> list[Path]:
    for name in names:
        (stores / name).write_text(f"# {name}\n", encoding="utf-8")
    return [stores / name for name in names]


def test_clean_changed_untracked_ignored_and_renamed_files(tmp_path: Path) -> None:
    stores = tmp_path / "deploy" / "stores"  # the stores directory deep in the checkout, not at its top
    stores.mkdir(parents=True)
    clean, changed, renamed, staged = _files(stores, "clean.yaml", "changed.yaml", "renamed.yaml", "staged.yaml")
    (tmp_path / "deploy" / ".gitignore").write_text("stores/ignored.yaml\n", encoding="utf-8")
    sha = commit_all(tmp_path / "deploy")
    changed.write_text("# changed\n", encoding="utf-8")
    staged.write_text("# staged\n", encoding="utf-8")
    git(tmp_path / "deploy", "add", str(staged))
    git(tmp_path / "deploy", "mv", str(renamed), str(stores / "moved.yaml"))
    untracked, ignored = _files(stores, "untracked.yaml", "ignored.yaml")
    (stores / "new").mkdir()
    in_new_folder = _files(stores / "new", "a.yaml")[0]
    found = revisions(stores, [clean, changed, staged, stores / "moved.yaml", untracked, ignored, in_new_folder])
    assert found == {clean: sha, changed: f"{sha}-dirty", staged: f"{sha}-dirty", stores / "moved.yaml": f"{sha}-dirty",
                     untracked: None, ignored: None, in_new_folder: None}
    assert len(sha) == 40


def test_no_git_checkout_no_commit_yet_and_no_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, "kassasync.config")
    plain = tmp_path / "plain"
    plain.mkdir()
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # git must not find a repository above it
    assert revisions(plain, _files(plain, "a.yaml")) == {plain / "a.yaml": None}
    assert "no git revision" in caplog.text
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "-q")
    assert revisions(empty, _files(empty, "a.yaml")) == {empty / "a.yaml": None}  # no HEAD yet
    assert revisions(tmp_path / "missing", [tmp_path / "missing" / "a.yaml"]) == {tmp_path / "missing" / "a.yaml": None}
    commit_all(empty)
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))  # git not installed
    assert revisions(empty, [empty / "a.yaml"]) == {empty / "a.yaml": None}


def test_two_git_calls_for_the_whole_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pipeline.config.revision as revision

    stores = tmp_path / "stores"
    stores.mkdir()
    paths = _files(stores, *(f"s{n}.yaml" for n in range(50)))
    sha = commit_all(stores)
    calls: list[tuple[str, ...]] = []
    real = revision._git
    monkeypatch.setattr(revision, "_git", lambda directory, *args: calls.append(args) or real(directory, *args))
    assert set(revisions(stores, paths).values()) == {sha}
    assert len(calls) == 2


def test_the_configs_carry_the_revision_and_the_loader_sets_none(tmp_path: Path) -> None:
    stores = tmp_path / "stores"
    shutil.copytree(STORES, stores)
    sha = commit_all(stores)
    edited = stores / "sjobodens-krog.yaml"
    edited.write_text(edited.read_text(encoding="utf-8") + "# a comment\n", encoding="utf-8")
    configs, _ = load_stores(stores)
    assert {c.revision for c in configs.values()} == {None}
    filled = {c.store: c.revision for c in with_revisions(list(configs.values()), stores)}
    assert filled == {"hamnens-delikatesser": sha, "kartbutiken-uppsala": sha, "sjobodens-krog": f"{sha}-dirty"}
