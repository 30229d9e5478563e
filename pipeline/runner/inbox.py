"""The inbox on disk: `<inbox>/<store>/*.se|*.si` in, `archive/<store>/<yyyy>/` and `quarantine/<store>/` out.

Nothing is ever deleted: files are moved, and a quarantined file gets a `<name>.why.txt` note beside it.
What counts as a day file ready to read (the contract with POS exporters, docs/inbox.md):
- a `.se`/`.si` file (any case), not a name tills use while writing (`*.tmp`, `*.part`, `~*`, dot files);
- settled: unchanged (size and modification time) for the settle time, so a file the till is still
  writing is never read in part;
- in the store's own folder: a symlink that leads out of it is never followed (it is quarantined).
Names are compared after Unicode normalisation (NFC): macOS writes `Å` as `A` + ring, Linux keeps both.
"""
from __future__ import annotations

import errno
import logging
import os
import stat
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("kassasync.runner")
SUFFIXES = (".se", ".si")
WRITING_SUFFIXES = (".tmp", ".part")  # names tills and file transfers use until the file is complete
DEFAULT_SETTLE_SECONDS = 120
CLOCK_PROBE = ".kassasync-clock"  # touched in the inbox root to read the file system's own clock


def settle_seconds(command_line: int | None, store_file: int | None) -> int:
    """How long a store's day files must be unchanged: `--settle-seconds`, else the store file's
    inbox.settle_seconds, else 120 s."""
    if command_line is not None:
        return command_line
    return DEFAULT_SETTLE_SECONDS if store_file is None else store_file


def name_key(name: str) -> str:
    """A file name as compared: NFC, so `Å` composed and decomposed are the same name."""
    return unicodedata.normalize("NFC", name)


def is_day_file_name(name: str) -> bool:
    lower = name.lower()
    if name.startswith((".", "~")) or lower.endswith(WRITING_SUFFIXES):
        return False
    return lower.endswith(SUFFIXES)


@dataclass(frozen=True)
class Seen:
    """A day file as the scan found it: its size and modification time then, to tell whether it changed."""

    path: Path
    size: int
    mtime_ns: int

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class Unsettled:
    """A day file left for a later run: still being written, or changed while it was read."""

    path: Path
    reason: str


@dataclass(frozen=True)
class Escaped:
    """A symlink in the store's folder that leads out of it (or nowhere): never followed."""

    path: Path
    target: str


@dataclass
class Scan:
    """One look at a store's folder: the files to read now, and the ones left for a later run."""

    ready: list[Seen] = field(default_factory=list)
    unsettled: list[Unsettled] = field(default_factory=list)
    escaped: list[Escaped] = field(default_factory=list)


@dataclass(frozen=True)
class Inbox:
    root: Path
    # "now" for settling; None: the inbox file system's own clock (a probe file's modification time), so a
    # till writing to a network share is judged by the same clock that stamps its file
    clock: Callable[[], float] | None = None

    def store_dir(self, store: str) -> Path:
        return self.root / store

    def day_files(self, store: str, sub: str | None = None, accept: Callable[[str], bool] = is_day_file_name) -> list[Path]:
        """Every day file in the store's folder, settled or not (for status and doctor), oldest name first.
        `sub` and `accept`: another folder of the store's (its invoices/) and the names read there."""
        folder = self.store_dir(store) / sub if sub else self.store_dir(store)
        if not folder.is_dir():
            return []
        return sorted((p for p in folder.iterdir() if accept(p.name) and (p.is_file() or p.is_symlink())),
                      key=lambda p: name_key(p.name))

    def scan(self, store: str, settle_seconds: int, sub: str | None = None,
             accept: Callable[[str], bool] = is_day_file_name) -> Scan:
        """The store's day files split into ready (settled), unsettled, and symlinks out of its folder (`sub`,
        `accept`: as for day_files)."""
        scan = Scan()
        folder = self.store_dir(store) / sub if sub else self.store_dir(store)
        if not folder.is_dir():
            return scan
        inside = os.path.realpath(folder)
        now: float | None = None
        for path in self.day_files(store, sub, accept):
            try:
                if path.is_symlink():
                    target = os.path.realpath(path)
                    if os.path.commonpath([inside, target]) != inside or not os.path.isfile(target):
                        scan.escaped.append(Escaped(path, os.readlink(path)))
                        continue
                info = path.stat()
            except (FileNotFoundError, ValueError):  # gone meanwhile; commonpath of two drives (Windows)
                continue
            except OSError as exc:  # the file is there but cannot be looked at: ingest quarantines it on its own
                log.warning("%s: cannot look at %s: %s", store, path, exc)
                scan.ready.append(Seen(path, -1, -1))
                continue
            if not stat.S_ISREG(info.st_mode):
                continue
            seen = Seen(path, info.st_size, info.st_mtime_ns)
            if settle_seconds > 0:
                now = self.now() if now is None else now
                age = now - info.st_mtime_ns / 1e9
                if age < settle_seconds:
                    scan.unsettled.append(Unsettled(path, _young(age, settle_seconds)))
                    continue
            scan.ready.append(seen)
        return scan

    def now(self) -> float:
        if self.clock is not None:
            return self.clock()
        probe = self.root / CLOCK_PROBE
        try:
            probe.touch()
            os.utime(probe)  # the file system stamps it (NFS: the server's clock)
            return probe.stat().st_mtime
        except OSError:  # a read-only inbox: this machine's clock
            return time.time()

    def read(self, path: Path) -> bytes:
        """The file's bytes; a symlink is read only where the scan allowed it (inside the store's folder), and a
        file replaced by a symlink since the scan is not followed (OSError ELOOP)."""
        if path.is_symlink():
            return Path(os.path.realpath(path)).read_bytes()
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(descriptor, "rb") as handle:
            return handle.read()

    def unchanged(self, seen: Seen) -> bool:
        """Whether the file still has the size and modification time the scan saw (it was not written to while
        it was read)."""
        try:
            info = seen.path.stat()
        except OSError:
            return False
        return (info.st_size, info.st_mtime_ns) == (seen.size, seen.mtime_ns)

    def store_dirs(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir()
                      if p.is_dir() and p.name not in ("archive", "quarantine") and not p.name.startswith("."))

    def quarantine(self, store: str, path: Path, why: str, digest: str) -> Path:
        """Moves a file aside (a symlink itself, never what it points at) with a note that says why and what to do."""
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

    def relative(self, path: Path | str) -> str:
        """A path as the user finds it under the inbox (`<store>/<name>`, `archive/...`), else as it is."""
        try:
            return Path(path).relative_to(self.root).as_posix()
        except ValueError:
            try:
                return Path(os.path.abspath(path)).relative_to(os.path.abspath(self.root)).as_posix()
            except ValueError:
                return str(path)


def _young(age: float, settle_seconds: int) -> str:
    if age < 0:
        return (f"waiting to settle: its modification time is {-age:.0f} s in the future; check the clock of the "
                "machine that writes the inbox")
    return (f"waiting to settle: last changed {age:.0f} s ago; read once it has been unchanged for "
            f"{settle_seconds} s (the till may still be writing it)")


def _free_name(folder: Path, name: str, digest: str) -> Path:
    """`name` in `folder`, or `stem.<digest>.suffix` when a different file already has that name (compared
    after Unicode normalisation: two names that look the same never sit side by side)."""
    folder.mkdir(parents=True, exist_ok=True)
    taken = {name_key(entry) for entry in os.listdir(folder)}
    if name_key(name) not in taken:
        return folder / name
    stem, suffix = os.path.splitext(name)
    return folder / f"{stem}.{digest[:12]}{suffix}"


def _move(source: Path, target: Path) -> None:
    os.replace(source, target)  # same file system: atomic; the inbox, archive and quarantine share a root


def unreadable(exc: OSError) -> str:
    """Why a file could not be opened, in words (the quarantine note)."""
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"the runner may not read it ({exc.strerror or exc}): check the file's permissions"
    return f"reading it failed ({exc.strerror or exc})"
