"""How long the test suite takes, tier by tier, against its goals.

    python tests/benchmarks/bench_suite.py [--repeats N] [--browser-runs N] [--load]

Each tier runs from a clean clone of this checkout's HEAD (with `shared/`
beside it when this checkout has one, as CI has), in a temporary folder,
as a contributor runs it:

- `pytest -m quick`, the tier a contributor runs while editing;
- `pytest -m browser`, the browser tests alone (the real site is built
  first, inside the run, as the suite builds it);
- `pytest`, everything;

then `--browser-runs` runs of the browser tests one after another, with
`--load` keeping both cores busy with other work during every other run:
none of them may fail, however loaded the machine.

The table gives each tier's median time and its goal; the exit status is
1 when a goal is missed or a run fails.
"""

import argparse
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOALS = {"pytest -m quick": 60, "pytest -m browser": 5 * 60, "pytest": 10 * 60}


def clean_clone(work):
    clone = work / "main"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    if (ROOT.parent / "shared").is_dir():
        (work / "shared").symlink_to(ROOT.parent / "shared")
    return clone


def timed(clone, command):
    started = time.monotonic()
    done = subprocess.run(command.split(), cwd=clone, capture_output=True, text=True,
                          env=dict(os.environ, CI="true"))
    seconds = time.monotonic() - started
    last = (done.stdout.strip().splitlines() or [""])[-1]
    return seconds, done.returncode, last


def spin(stop):
    while not stop.is_set():
        sum(i * i for i in range(10_000))


def loaded(command_runs):
    """Runs `command_runs()` while every core is kept busy by a process of its own."""
    stop = multiprocessing.Event()
    spinners = [multiprocessing.Process(target=spin, args=(stop,)) for _ in range(os.cpu_count() or 1)]
    for spinner in spinners:
        spinner.start()
    try:
        return command_runs()
    finally:
        stop.set()
        for spinner in spinners:
            spinner.join()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--browser-runs", type=int, default=0)
    parser.add_argument("--load", action="store_true", help="keep the cores busy during every other browser run")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-suite-"))
    missed = False
    try:
        clone = clean_clone(work)
        print(f"{'command':<22} {'median':>8} {'goal':>6}  last line")
        for command, goal in GOALS.items():
            runs = [timed(clone, command) for _ in range(options.repeats)]
            median = statistics.median(seconds for seconds, _, _ in runs)
            failed = any(status != 0 for _, status, _ in runs)
            missed |= failed or median > goal
            print(f"{command:<22} {median:7.0f}s {goal:5d}s  {runs[-1][2]}{'  FAILED' if failed else ''}")
        for run in range(options.browser_runs):
            under_load = options.load and run % 2 == 1
            command = lambda: timed(clone, "pytest -m browser")  # noqa: E731
            seconds, status, last = loaded(command) if under_load else command()
            missed |= status != 0
            print(f"browser run {run + 1}{' (cores busy)' if under_load else ''}: {seconds:.0f}s  {last}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
