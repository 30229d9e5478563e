"""Which git commit each store file is at: the deployment updates the stores directory as a git checkout, and each
voucher records the commit of the store file it was made with (the ledger's `vouchers.store_commit`)."""
from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from pipeline.config.model import StoreConfig

log = logging.getLogger("kassasync.config")
GIT_TIMEOUT = 30  # seconds; a fleet's status over thousands of files takes well under one
FEW_FILES = 20  # up to this many files, `git status` looks at them alone, not at the whole directory
# The directory alone says which repository: not a GIT_DIR a hook or a shell left behind. No optional locks:
# `git status` then never writes the index, which the deployment's own git may be updating at the same time.
_REPOSITORY_ENV = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR")


def revisions(stores_dir: Path, paths: Iterable[Path]) -> dict[Path, str | None]:
    """Each file's revision: the HEAD commit of the git checkout holding `stores_dir` when the file is tracked and
    unchanged, `<sha>-dirty` when it has uncommitted changes, None when it is untracked or ignored, or the
    directory is not in a git work tree (or git is missing). Two git calls: for the whole directory when many
    files are asked for (a run of every store), for just those files when few are (a fleet job's one store, in
    a directory of thousands)."""
    wanted = list(paths)
    found: dict[Path, str | None] = dict.fromkeys(wanted)
    head = _git(stores_dir, "rev-parse", "--show-toplevel", "HEAD")
    if head is None or len(head.split("\n")) < 2:
        return found
    top, sha = head.split("\n")[:2]
    pathspec = [str(p.resolve()) for p in wanted] if len(wanted) <= FEW_FILES else ["."]
    status = _git(stores_dir, "status", "--porcelain", "-z", "--untracked-files=all", "--ignored", "--", *pathspec)
    if status is None:
        return found
    changed = _changed(status.split("\0"))
    for path in wanted:
        try:
            relative = path.resolve().relative_to(Path(top))
        except ValueError:  # outside the checkout (a symlink out of it)
            continue
        # git names an untracked or ignored folder once ("stores/new/"), not each file in it
        state = next((changed[p] for p in (relative.as_posix(), *(f"{d.as_posix()}/" for d in relative.parents))
                      if p in changed), None)
        found[path] = None if state in ("??", "!!") else f"{sha}-dirty" if state else sha
    return found


def with_revisions(configs: Sequence[StoreConfig], stores_dir: Path) -> list[StoreConfig]:
    """The configs with `revision` set from their store files (see `revisions`)."""
    found = revisions(stores_dir, [c.path for c in configs if c.path is not None])
    return [replace(c, revision=found.get(c.path)) if c.path is not None else c for c in configs]


def _changed(entries: list[str]) -> dict[str, str]:
    """Porcelain v1 (`-z`) entries as path (from the repository's top) -> status code (`??` untracked, `!!`
    ignored, anything else changed)."""
    changed: dict[str, str] = {}
    rest = iter(entries)
    for entry in rest:
        if len(entry) < 4:
            continue
        code, path = entry[:2], entry[3:]
        changed[path] = code
        if "R" in code or "C" in code:  # a rename or copy: the path it came from follows
            changed[next(rest, "")] = code
    return changed


def _git(directory: Path, *args: str) -> str | None:
    """git's standard output without the final newline, or None (logged) when git is missing or fails."""
    env = {k: v for k, v in os.environ.items() if k not in _REPOSITORY_ENV}
    env["GIT_OPTIONAL_LOCKS"] = "0"
    try:
        done = subprocess.run(["git", "-C", str(directory), *args], capture_output=True, encoding="utf-8",
                              errors="replace", env=env, timeout=GIT_TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        log.debug("store files in %s: no git revision (%s)", directory, exc)
        return None
    if done.returncode != 0:
        log.debug("store files in %s: no git revision (git %s: %s)", directory, args[0], done.stderr.strip())
        return None
    return done.stdout.removesuffix("\n")
