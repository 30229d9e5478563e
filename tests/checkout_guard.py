"""What a test must not change: the checkout. tests/conftest.py compares a snapshot before and after each test."""
from __future__ import annotations

import os
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]
# Folders that tools own and that a test run may change: git, the venv, caches, mutmut's copy of the project.
_NOT_CHECKED = frozenset({".git", ".venv", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache",
                          ".hypothesis", "mutants", "build", "dist"})
# Written by pytest-cov around the run, not by a test.
_NOT_CHECKED_FILES = (".coverage",)


def snapshot(root: Path = CHECKOUT) -> dict[str, tuple[int, int]]:
    """Every file of the checkout outside the tools' folders, with its size and modification time."""
    found: dict[str, tuple[int, int]] = {}
    stack = [root]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in _NOT_CHECKED and not entry.name.endswith(".egg-info"):
                        stack.append(Path(entry.path))
                        found[entry.path + os.sep] = (0, 0)
                elif not entry.name.startswith(_NOT_CHECKED_FILES):
                    info = entry.stat(follow_symlinks=False)
                    found[entry.path] = (info.st_size, info.st_mtime_ns)
    return found


def changes(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]],
            root: Path = CHECKOUT) -> list[str]:
    """The files and folders added, removed or changed between two snapshots, relative to `root`."""
    changed = sorted(set(before) ^ set(after) | {p for p in before.keys() & after.keys() if before[p] != after[p]})
    if os.environ.get("KASSASYNC_UPDATE_GOLDEN") == "1":  # rewriting golden files is the point of that run
        changed = [p for p in changed if f"{os.sep}golden{os.sep}" not in p]
    return [os.path.relpath(p, root) for p in changed]
