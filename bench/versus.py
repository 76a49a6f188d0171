"""This checkout against an earlier revision, workload by workload, in turns.

Each workload runs in a fresh process, the two versions taking turns (A B A B
...), so a change in the machine's load touches both alike; every run prints
talks per CPU second, and the table gives each side's median and the median
of the pairwise ratios A/B (above 1: this checkout is faster).

The earlier revision is checked out into a temporary git worktree and
imported from there: a small import shim maps ``accord.protocol``,
``accord.server`` and ``accord.bots`` onto its folders and turns off the
editable install's finder in that process. The workloads are those of
``bench/engine.py`` (with whole-second clock readings and with epoch
readings, as a server's clock gives) and the in-process part of
``bench/bots.py``, taken from each side's own bench scripts.

Run: ``python bench/versus.py REVISION [--runs N]``
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]

WORKLOADS = {
    "engine, ten rounds, whole seconds": ("engine", 0.05, 0.0),
    "engine, ten rounds, epoch clock": ("engine", 0.05, 1.7e9 + 0.123),
    "engine, with deal, epoch clock": ("engine", 0.97, 1.7e9 + 0.123),
    "bots, mixed line-up, cold": ("bots", "mixed", "cold"),
    "bots, mixed line-up, warm": ("bots", "mixed", "warm"),
    "bots, time-based line-up, cold": ("bots", "time", "cold"),
    "bots, time-based line-up, warm": ("bots", "time", "warm"),
}

SHIM = """\
import sys
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
import accord  # from this shim, before a script puts its checkout on the path
"""


def _module(tree: Path, name: str) -> ModuleType:
    sys.path.insert(0, str(tree / "bench"))
    spec = importlib.util.spec_from_file_location(f"versus_{name}", tree / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def worker(tree: Path, workload: str) -> float:
    """Talks per CPU second of ``workload`` with the code of ``tree``."""

    kind, a, b = WORKLOADS[workload]
    if kind == "engine":
        engine = _module(tree, "engine")
        scenario = engine.bench_scenario()
        # each side's own talk, driven with the clock this workload gives
        source = (tree / "bench" / "engine.py").read_text()
        source = source.replace("now = 0.0\n", f"now = {b!r}\n", 1)
        namespace: dict = {"__name__": "versus_engine_clock"}
        exec(compile(source, str(tree / "bench" / "engine.py"), "exec"), namespace)
        run_talk = namespace["run_talk"]
        run_talk(scenario, 10**6, a)
        talks = 150
        started = time.process_time()
        for seed in range(talks):
            run_talk(scenario, seed, a)
        return talks / (time.process_time() - started)
    bots = _module(tree, "bots")
    scenario = bots.bench_scenario()
    names = bots.LINEUP if a == "mixed" else bots.TIME_BASED
    seeds = range(60)
    _, one_pass = bots.inprocess_pass(
        scenario, seeds, workload, bots.lineup(scenario, names), warm=b == "warm"
    )
    rates = []
    for _ in range(3):
        started = time.process_time()
        one_pass()
        rates.append(len(seeds) / (time.process_time() - started))
    return statistics.median(rates)


def _shim(tree: Path, into: Path) -> Path:
    package = into / "accord"
    package.mkdir(parents=True)
    for entry in (tree / "accord").iterdir():
        (package / entry.name).symlink_to(entry)
    for name in ("protocol", "server", "bots"):
        (package / name).symlink_to(tree / name)
    (into / "sitecustomize.py").write_text(SHIM)
    return into


def _run(tree: Path, workload: str, shim: Path | None) -> float:
    env = dict(os.environ)
    if shim is not None:
        env["PYTHONPATH"] = str(shim)
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--worker", str(tree), workload],
        env=env,
        cwd=tempfile.gettempdir(),  # not a checkout: its accord/ would shadow the shim
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{workload} failed in {tree}:\n{out.stderr.strip()}")
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revision", nargs="?", help="the earlier revision (a commit, a tag...)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each side per workload")
    parser.add_argument("--worker", nargs=2, metavar=("TREE", "WORKLOAD"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(worker(Path(args.worker[0]), args.worker[1]))
        return
    if not args.revision:
        parser.error("give the revision to compare with")
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch) / "base"
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", "-q", str(base), args.revision],
            check=True,
        )
        try:
            shim = _shim(base, Path(scratch) / "shim")
            print(f"A: this checkout ({REPO}); B: {args.revision}; {args.runs} runs each, in turns")
            print("| workload | A talks/CPU-s | B talks/CPU-s | A/B (median of pairs) |")
            print("|---|---:|---:|---:|")
            for workload in WORKLOADS:
                ours, theirs = [], []
                for _ in range(args.runs):
                    ours.append(_run(REPO, workload, None))
                    theirs.append(_run(base, workload, shim))
                ratio = statistics.median(o / t for o, t in zip(ours, theirs, strict=True))
                print(
                    f"| {workload} | {statistics.median(ours):.1f} | "
                    f"{statistics.median(theirs):.1f} | {ratio:.3f} |",
                    flush=True,
                )
        finally:
            subprocess.run(
                ["git", "-C", str(REPO), "worktree", "remove", "--force", str(base)], check=False
            )


if __name__ == "__main__":
    main()
