"""Two commits' benchmark tables in one run, interleaved: is the new commit slower anywhere?

Checks out each commit into a temporary git worktree, then alternates between them for a
number of rounds (old, new, old, new, ...), each round a fresh process running `bench/run.py`'s
workloads (and `bench/rnn_scan.py`) from that commit's tree. Drifts of a noisy machine thus hit
both commits alike. For every row it prints the median over rounds of each commit's
functrans/NumPy and jit/NumPy ratios (rows without a NumPy reference: seconds x 1e6), and
new/old (below 1.10 is "within 10%").

Run:  python bench/compare.py OLD [NEW]        NEW defaults to the working tree
      python bench/compare.py OLD NEW --rounds 5 --size full --repeats 7
"""
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import contextlib
import json
import math
import re
import statistics
import subprocess
import sys
import tempfile

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Runs in the child, from the tree being measured: run.py's workloads, rows as JSON.
_DRIVER = """
import io, json, sys
sys.path.insert(0, "bench")
import run
rows = run.run({size!r}, {repeats!r}, out=io.StringIO())
print(json.dumps([[r.name, r.numpy, r.functrans, r.jitted] for r in rows]))
"""
_RNN_LINE = re.compile(r"(ft\.grad \(traced\)|ft\.jit\(ft\.grad\)|NumPy BPTT by hand)\s+"
                       r"([0-9.]+) ms")


def _run_tables(tree: str, size: str, repeats: int) -> dict[str, tuple[float, float]]:
    """Row name -> (functrans/NumPy, jit/NumPy) of one fresh run in `tree`."""
    out = subprocess.run([sys.executable, "-c", _DRIVER.format(size=size, repeats=repeats)],
                         cwd=tree, capture_output=True, text=True, check=True).stdout
    rows = json.loads(out.strip().splitlines()[-1])
    # Rows without a NumPy reference (the chain's µs/op rows) compare absolute times.
    table = {}
    prev = ""
    for name, n, f, j in rows:
        if name.startswith("  same, "):
            # run.py's indented "same, ..." rows share one name: each is named after the row
            # it varies (a dict keyed by the bare name kept only the last of them).
            name = f"{prev}, {name.removeprefix('  same, ')}"
        else:
            prev = name
        table[name] = (f / n, j / n) if not math.isnan(n) else (f * 1e6, j * 1e6)
    return table


def _run_rnn(tree: str, repeats: int) -> dict[str, tuple[float, float]]:
    out = subprocess.run([sys.executable, "bench/rnn_scan.py", str(repeats)], cwd=tree,
                         capture_output=True, text=True, check=True).stdout
    ms = {m.group(1): float(m.group(2)) for m in _RNN_LINE.finditer(out)}
    base = ms["NumPy BPTT by hand"]
    return {"RNN scan grad (rnn_scan.py)": (ms["ft.grad (traced)"] / base,
                                            ms["ft.jit(ft.grad)"] / base)}


@contextlib.contextmanager
def _worktree(rev: str | None):
    """A checkout of `rev` (None: the working tree itself)."""
    if rev is None:
        yield _ROOT
        return
    path = tempfile.mkdtemp(prefix="ft-bench-")
    subprocess.run(["git", "-C", _ROOT, "worktree", "add", "--detach", "-q", path, rev],
                   check=True)
    try:
        yield path
    finally:
        subprocess.run(["git", "-C", _ROOT, "worktree", "remove", "--force", path], check=True)


def _fmt(x: float) -> str:
    return "-" if math.isnan(x) else f"{x:.2f}"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", help="the baseline commit")
    parser.add_argument("new", nargs="?", default=None, help="default: the working tree")
    parser.add_argument("--rounds", type=int, default=3, help="alternations old/new")
    parser.add_argument("--size", default="full", help="run.py's problem sizes")
    parser.add_argument("--repeats", type=int, default=7, help="run.py repeats per round")
    parser.add_argument("--no-rnn", action="store_true", help="skip bench/rnn_scan.py")
    args = parser.parse_args(argv)
    results: dict[str, list[dict]] = {"old": [], "new": []}
    with _worktree(args.old) as old_tree, _worktree(args.new) as new_tree:
        for r in range(args.rounds):
            for label, tree in (("old", old_tree), ("new", new_tree)):
                res = _run_tables(tree, args.size, args.repeats)
                if not args.no_rnn:
                    res.update(_run_rnn(tree, max(args.repeats, 5)))
                results[label].append(res)
                print(f"round {r + 1}/{args.rounds} {label} done", file=sys.stderr, flush=True)
    names = list(results["new"][0])
    width = max(34, *map(len, names))
    print(f"old = {args.old}, new = {args.new or 'working tree'}; median over {args.rounds} "
          f"interleaved rounds of each ratio to hand-written NumPy (OPENBLAS_NUM_THREADS=1)")
    print(f"{'workload':{width}} {'old ft':>7} {'new ft':>7} {'new/old':>8} {'old jit':>8} "
          f"{'new jit':>8} {'new/old':>8}")
    for name in names:
        cells = []
        for k in (0, 1):
            old = statistics.median(r[name][k] for r in results["old"] if name in r)
            new = statistics.median(r[name][k] for r in results["new"])
            cells += [_fmt(old), _fmt(new), _fmt(new / old)]
        print(f"{name:{width}} {cells[0]:>7} {cells[1]:>7} {cells[2]:>8} {cells[3]:>8} "
              f"{cells[4]:>8} {cells[5]:>8}")


if __name__ == "__main__":
    main()
