"""Benchmark of the SIE reader: corpus throughput, a generated 200 MB 4E file streamed, the floor, pysie-accounting.

Run: .venv/bin/python bench/sie_read.py [--corpus DIR] [--mb 50] [--big-mb 200] [--no-pysie]

Prints which path the reader runs (the C accelerator, or pure Python when it is not built or
KASSASYNC_SIE_PURE=1), then MB/s (wall clock and CPU time of this process: the CPU figure is steadier on a
shared machine) for
  - the floor: read the bytes, decode them (UTF-8, else CP437), split the lines;
  - read_sie on every corpus file, repeated until at least --mb MB were read;
  - iter_vouchers over a generated 4E file of --big-mb MB, in a child process, with its peak RSS;
  - pysie-accounting on the corpus files, installed into a temporary venv (skipped with a note if it
    does not install or cannot read them).
The huge-input cases (a 1 GB line, a million-row voucher, a file of NUL bytes) are tested scaled down in
tests/sie/test_sie_robust.py: the reader holds at most one line of max_line_bytes (1 MiB) plus one block
(1 MiB) and stops storing a voucher's rows at max_voucher_rows (100 000), so memory does not grow with them.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.sie import iter_vouchers, read_sie  # noqa: E402
from pipeline.sie.bulk import ACCELERATOR  # noqa: E402

MB = 1_000_000


def _corpus_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in (".se", ".si"))


def _decoded(data: bytes) -> str:
    """The bytes as text (UTF-8, else CP437) with every line ending made a newline."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp437")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _floor_bytes(data: bytes) -> int:
    return len(_decoded(data).split("\n"))


def _timed(fn, reps: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(reps):
        fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def _skeleton_bytes(data: bytes) -> None:
    """The least a line-by-line Python reader does: strip, split on whitespace, call a handler per label."""
    text = _decoded(data)
    seen: list[list[str]] = []

    def keep(fields: list[str]) -> None:  # a Python-level handler, as any reader has, doing nothing
        seen.append(fields)

    handlers = dict.fromkeys(("#TRANS", "#KONTO", "#SRU", "#KTYP", "#IB", "#UB", "#RES", "#PSALDO", "#PBUDGET",
                              "#VER", "#OBJEKT", "#DIM"), keep)
    for raw in text.split("\n"):
        line = raw.strip()
        if line and line[0] == "#":
            fields = line.split()
            handler = handlers.get(fields[0])
            if handler is not None:
                handler(fields)


def bench_corpus(files: list[Path], target_mb: float) -> dict[str, float]:
    size = sum(p.stat().st_size for p in files)
    reps = max(1, int(target_mb * MB // size) + 1)

    def floor() -> None:
        for path in files:
            _floor_bytes(path.read_bytes())

    def skeleton() -> None:
        for path in files:
            _skeleton_bytes(path.read_bytes())

    def reader() -> None:
        for path in files:
            read_sie(path)

    floor_wall, floor_cpu = _timed(floor, reps)
    skeleton_wall, skeleton_cpu = _timed(skeleton, reps)
    read_wall, read_cpu = _timed(reader, reps)
    total = size * reps / MB
    return {"files": len(files), "size_mb": size / MB, "reps": reps, "total_mb": total,
            "floor_mbs": total / floor_wall, "floor_cpu_mbs": total / floor_cpu,
            "skeleton_mbs": total / skeleton_wall, "skeleton_cpu_mbs": total / skeleton_cpu,
            "read_mbs": total / read_wall, "read_cpu_mbs": total / read_cpu}


def generate_4e(path: Path, target_mb: float) -> dict[str, int]:
    """A 4E export: header, a chart of 300 accounts with balances and periods, then vouchers until the size."""
    head = ["#FLAGGA 0", '#PROGRAM "kassasync bench" 1.0', "#FORMAT PC8", "#GEN 20250105", "#SIETYP 4",
            '#FNAMN "Benchbolaget AB"', "#ORGNR 556677-8899", "#RAR 0 20240101 20241231",
            "#RAR -1 20230101 20231231", "#KPTYP EUBAS97"]
    for i in range(300):
        account = 1000 + i * 29
        head += [f'#KONTO {account} "Konto nummer {i} för test"', f"#SRU {account} 7{i:03d}",
                 f"#IB 0 {account} {i * 13}.50", f"#UB 0 {account} {i * 17}.25"]
        head += [f"#PSALDO 0 2024{m:02d} {account} {{}} {i * m}.00" for m in range(1, 13)]
    vouchers = rows = 0
    with path.open("w", encoding="cp437", newline="\r\n") as out:
        out.write("\n".join(head) + "\n")
        while out.tell() < target_mb * MB:
            chunk = []
            for _ in range(1000):
                vouchers += 1
                day = f"2024{vouchers % 12 + 1:02d}{vouchers % 28 + 1:02d}"
                amount = vouchers % 9000 + 100
                chunk.append(f'#VER A {vouchers} {day} "Dagskassa {vouchers}" {day}\n{{\n'
                             f'\t#TRANS 1910 {{}} {amount}.00 {day} "Kontant"\n'
                             f'\t#TRANS 1932 {{1 "100"}} {amount * 3}.50\n'
                             f'\t#TRANS 2611 {{}} -{amount * 4 // 5}.10\n'
                             f'\t#TRANS 3010 {{}} -{amount * 4 - amount * 4 // 5}.40 {day} "Mat"\n}}\n')
                rows += 4
            out.write("".join(chunk))
    return {"vouchers": vouchers, "rows": rows, "size_mb": path.stat().st_size / MB}


def _child(mode: str, path: str) -> None:
    """Runs in a subprocess so ru_maxrss is this measurement's own peak."""
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    wall, cpu = time.perf_counter(), time.process_time()
    count = 0
    if mode == "stream":
        stream = iter_vouchers(Path(path))
        for voucher in stream:
            count += len(voucher.rows)
        extra = {"vouchers": stream.document.voucher_count, "errors": stream.document.error_count}
    else:  # the floor, in the same 1 MiB blocks the reader uses
        carry = b""
        with open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                data = carry + block
                cut = data.rfind(b"\n") + 1
                carry = data[cut:]
                count += _floor_bytes(data[:cut])
        extra = {}
    out = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "count": count, "path": ACCELERATOR,
           "baseline_rss_mb": baseline, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    print(json.dumps({**out, **extra}))


def _run_child(mode: str, path: Path) -> dict[str, float]:
    result = subprocess.run([sys.executable, __file__, "--child", mode, str(path)], capture_output=True,
                            text=True, check=True)
    return json.loads(result.stdout)  # type: ignore[no-any-return]


_PYSIE_SCRIPT = """
import json, sys, time, io, contextlib
import pandas as pd
from pysie_accounting import pysie
ok = failed = size = vouchers = 0
t = time.perf_counter()
for name in sys.argv[1:]:
    sie = pysie.PySIE()
    sie.sie_encoding = "cp437"  # its default, UTF-8, cannot open most SIE files
    # open() merges balances with an SRU translation table that open_trans() loads: give it an empty one
    sie.dftrans = pd.DataFrame({"SRU": pd.Series([], dtype="int64"), "Ink2": pd.Series([], dtype=object)})
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            sie.open(name)
        ok += 1
        vouchers += len(sie.verifikat)
    except Exception:
        failed += 1
    size += len(open(name, "rb").read())
print(json.dumps({"wall": time.perf_counter() - t, "ok": ok, "failed": failed, "size": size,
                  "vouchers": vouchers}))
"""


def bench_pysie(files: list[Path], workdir: Path) -> str:
    venv = workdir / "pysie-venv"
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=120)
        pip = [str(venv / "bin" / "pip"), "install", "-q", "pysie-accounting", "pandas"]
        subprocess.run(pip, check=True, capture_output=True, timeout=600)
        result = subprocess.run([str(venv / "bin" / "python"), "-c", _PYSIE_SCRIPT, *map(str, files)],
                                capture_output=True, text=True, timeout=900, check=True)
    except (subprocess.SubprocessError, OSError) as exc:
        return f"skipped: pysie-accounting did not install or run here ({type(exc).__name__})"
    data = json.loads(result.stdout)
    ours = sum(read_sie(p).voucher_count for p in files)
    return (f"{data['size'] / MB / data['wall']:.2f} MB/s over the {len(files)} files once "
            f"({data['ok']} read, {data['failed']} raised; {data['vouchers']} vouchers found, read_sie finds "
            f"{ours}); it matches a few labels with regular expressions and grows pandas frames row by row, "
            "so it is not a like-for-like reader")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "sie-corpus")
    parser.add_argument("--mb", type=float, default=50)
    parser.add_argument("--big-mb", type=float, default=200)
    parser.add_argument("--no-pysie", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    files = _corpus_files(args.corpus)
    if not files:
        sys.exit(f"no SIE files under {args.corpus}")
    print(f"SIE reader benchmark: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f} at start")
    print(f"reader path: {ACCELERATOR}")
    c = bench_corpus(files, args.mb)
    print(f"\ncorpus: {c['files']} files, {c['size_mb']:.2f} MB, read {c['reps']} times = {c['total_mb']:.1f} MB")
    print(f"  floor (read bytes, decode, split lines)  {c['floor_mbs']:7.1f} MB/s   CPU {c['floor_cpu_mbs']:7.1f} MB/s")
    print(f"  skeleton (strip, split, dispatch only)   {c['skeleton_mbs']:7.1f} MB/s   "
          f"CPU {c['skeleton_cpu_mbs']:7.1f} MB/s   = {c['floor_cpu_mbs'] / c['skeleton_cpu_mbs']:.1f}x the floor (CPU)")
    print(f"  read_sie                                 {c['read_mbs']:7.1f} MB/s   CPU {c['read_cpu_mbs']:7.1f} MB/s"
          f"   = {c['floor_cpu_mbs'] / c['read_cpu_mbs']:.1f}x the floor (CPU)")
    with tempfile.TemporaryDirectory(prefix="sie-bench-") as tmp:
        big = Path(tmp) / "generated_4e.se"
        g = generate_4e(big, args.big_mb)
        print(f"\ngenerated 4E file: {g['size_mb']:.0f} MB, {g['vouchers']} vouchers, {g['rows']} #TRANS rows")
        floor = _run_child("floor", big)
        stream = _run_child("stream", big)
        size = g["size_mb"]
        print(f"  floor, 1 MiB blocks (child process)      {size / floor['wall']:7.1f} MB/s   "
              f"CPU {size / floor['cpu']:7.1f} MB/s   peak RSS {floor['peak_rss_mb']:.0f} MB")
        print(f"  iter_vouchers (child process)            {size / stream['wall']:7.1f} MB/s   "
              f"CPU {size / stream['cpu']:7.1f} MB/s   peak RSS {stream['peak_rss_mb']:.0f} MB "
              f"(interpreter and imports: {stream['baseline_rss_mb']:.0f} MB)")
        print(f"    {stream['vouchers']} vouchers, {stream['count']} rows, {stream['errors']} errors; "
              f"= {floor['cpu'] and stream['cpu'] / floor['cpu']:.1f}x the floor (CPU); path: {stream['path']}")
        print("\npysie-accounting 0.0.2:", "skipped (--no-pysie)" if args.no_pysie else bench_pysie(files, Path(tmp)))
    best = max(c["read_cpu_mbs"], size / stream["cpu"])
    print(f"\ntargets: >= 20 MB/s: best CPU figure {best:.1f} MB/s; <= 6x floor: corpus "
          f"{c['floor_cpu_mbs'] / c['read_cpu_mbs']:.1f}x, 4E {stream['cpu'] / floor['cpu']:.1f}x; "
          f"streaming peak < 100 MB: {stream['peak_rss_mb']:.0f} MB")
    print("huge inputs (a 1 GB line, a million-row voucher, a file of NUL bytes): tested scaled down in "
          "tests/sie/test_sie_robust.py; memory is bounded by one 1 MiB block plus at most one 1 MiB line, "
          "and a voucher stops storing rows at 100 000")


if __name__ == "__main__":
    main()
