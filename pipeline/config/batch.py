"""Loading many store files: across the machine's cores when there are enough of them to pay for it."""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.config.load import Loaded

PARALLEL_MIN_FILES = 200  # below this, starting worker processes costs more than it saves
_CHUNK = 64


def load_many(paths: list[Path], *, parallel_min: int = PARALLEL_MIN_FILES) -> list[Loaded]:
    """`load_one` for every path, in order; worker processes (fork) for large directories."""
    from pipeline.config.load import load_one

    workers = min(os.cpu_count() or 1, 8)
    if len(paths) < parallel_min or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [load_one(path) for path in paths]
    chunks = [paths[i:i + _CHUNK] for i in range(0, len(paths), _CHUNK)]
    # fork: the workers inherit the compiled schema and templates instead of building them again.
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        return [item for chunk in pool.map(_load_chunk, chunks) for item in chunk]


def _load_chunk(paths: list[Path]) -> list[Loaded]:
    from pipeline.config.load import load_one

    loaded = [load_one(path) for path in paths]
    for item in loaded:
        item.doc = None  # the located document stays in the worker; the result carries what is needed
    return loaded
