"""The inbox on disk: `<inbox>/<store>/*.se|*.si` in, `archive/<store>/<yyyy>/` and `quarantine/<store>/` out.

Nothing is ever deleted: files are moved, and a quarantined file gets a `<name>.why.txt` note beside it.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("kassasync.runner")
SUFFIXES = (".se", ".si")


@dataclass(frozen=True)
class Inbox:
    root: Path

    def store_dir(self, store: str) -> Path:
        return self.root / store

    def day_files(self, store: str) -> list[Path]:
        """The store's SIE day files (`.se`, `.si`, any case), oldest name first."""
        folder = self.store_dir(store)
        if not folder.is_dir():
            return []
        return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)

    def store_dirs(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir()
                      if p.is_dir() and p.name not in ("archive", "quarantine") and not p.name.startswith("."))

    def quarantine(self, store: str, path: Path, why: str, digest: str) -> Path:
        """Moves an unreadable file aside with a note that says why and what to do."""
        target = _free_name(self.root / "quarantine" / store, path.name, digest)
        _move(path, target)
        note = target.with_name(target.name + ".why.txt")
        note.write_text(why.rstrip() + "\n", encoding="utf-8")
        log.warning("%s: %s moved to %s: %s", store, path.name, target, why.splitlines()[0])
        return target

    def archive(self, store: str, path: Path, year: int, digest: str) -> Path:
        target = _free_name(self.root / "archive" / store / f"{year:04d}", path.name, digest)
        _move(path, target)
        log.info("%s: %s archived to %s", store, path.name, target)
        return target


def _free_name(folder: Path, name: str, digest: str) -> Path:
    """`name` in `folder`, or `stem.<digest>.suffix` when a different file already has that name."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    if target.exists():
        stem, suffix = os.path.splitext(name)
        target = folder / f"{stem}.{digest[:12]}{suffix}"
    return target


def _move(source: Path, target: Path) -> None:
    os.replace(source, target)  # same file system: atomic; the inbox, archive and quarantine share a root
