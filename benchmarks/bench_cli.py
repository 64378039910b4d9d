"""Benchmark of the command line's start: wall time of `vis --help` and `vis status --json`.

Each is run as an operator runs it (a new process of the installed ``vis`` command), a few times;
the median and the fastest run are printed next to the targets (0.3 s and 0.8 s). `vis status`
reads a SQLite database that `vis init` made and that holds the example extract.

    python benchmarks/bench_cli.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"vis --help": 0.3, "vis status --json": 0.8}


def vis_command() -> list[str]:
    """The installed ``vis`` script next to this interpreter (else ``python -m vis.cli``)."""
    script = Path(sys.executable).with_name("vis")
    if script.exists():
        return [str(script)]
    found = shutil.which("vis")
    return [found] if found else [sys.executable, "-m", "vis.cli"]


def timed(cmd: list[str], env: dict[str, str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=120)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    vis = vis_command()
    with tempfile.TemporaryDirectory(prefix="vis-bench-cli-") as folder:
        env = {
            **os.environ,
            "VIS_DATABASE_URL": f"sqlite:///{Path(folder) / 'bench.db'}",
            "VIS_CONFIG": str(ROOT / "config" / "vis.toml"),
        }
        extract = ROOT / "tests" / "data" / "bvh-extract-example.csv"
        subprocess.run([*vis, "init"], env=env, check=True, capture_output=True)
        subprocess.run(
            [*vis, "ingest-file", str(extract)], env=env, check=True, capture_output=True
        )
        print(f"command: {' '.join(vis)}; {args.runs} runs each")
        for name, extra in (
            ("vis --help", ["--help"]),
            ("vis status --json", ["status", "--json"]),
        ):
            times = timed([*vis, *extra], env, args.runs)
            target = TARGETS[name]
            median = statistics.median(times)
            verdict = "ok" if median <= target else "over target"
            print(
                f"{name:18s} median {median:.3f} s, fastest {min(times):.3f} s "
                f"(target {target:.1f} s: {verdict})"
            )


if __name__ == "__main__":
    main()
