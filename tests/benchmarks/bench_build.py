"""How fast `build_docs.py` is, measured against Pycco on the same files.

    pip install -r requirements.txt -r tests/benchmarks/requirements.txt
    python tests/benchmarks/bench_build.py [--repeats N] [--serve-edits N] [--keep DIR]

The corpus is every top-level `.py` module of the Python standard library
that runs this script, copied into a temporary source folder. Each round
runs, one after the other so that a change in the machine's load touches
them all alike:

- Pycco over the corpus (`python -m pycco.main -d OUT files...`);
- our page generation alone (`build_docs.py --pages-only DIR`), cold: no
  cache;
- our full build (`build_docs.py`, MkDocs included), cold: no cache, no site;
- the same build again, warm, with nothing changed;
- the same build after one file of the corpus was edited, and, for
  comparison, the page generation of that one file alone, cold.

Every build runs with `--no-run`: the standard library's modules are not
tutorials, and the benchmark times the generator, not their tests. Each
round also breaks the last line of the last tutorial of a copy of this
repository's site and builds it cold, tests on: the time until the build
stops on that line. Then `build_docs.py serve`, and `mkdocs serve` with
the plugin, preview a copy of this site, with its tests, and the
benchmark edits one tutorial several times: the time from saving the file
until the served page holds the edit is polled every 10 ms.

Every command runs with the bytecode Python compiles kept, in the work
folder (`PYTHONPYCACHEPREFIX`), even where `PYTHONDONTWRITEBYTECODE` is
set, as it is on the machine this was written on: installed packages
such as Pycco come with theirs, and a program run from its source folder
keeps its own after the first run on a reader's machine too; without it
each of our builds compiled the generator again (about 0.1 s).

Each command is a process of its own. Its peak memory is given twice: the
largest single process (`ru_maxrss` from `wait4`, which covers the workers
it started), and the sum over the process and its children, sampled every
20 ms from `/proc` (Linux only), which counts memory that forked workers
share once per worker and so errs high.

The table gives the median of each time, its spread, how many times
faster than Pycco it is (Pycco's median over this one's), and the peak
memory; then each goal of issues 11 and 25 with its figure.
"""

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = [sys.executable, str(ROOT / "build_docs.py")]
PYCCO = [sys.executable, "-m", "pycco.main"]
EDITED_MODULE = "textwrap.py"  # a mid-sized module (about 500 lines) to edit between builds


# ## Running one command, with its time and memory
class Measured:
    def __init__(self, seconds, largest_mb, total_mb):
        self.seconds, self.largest_mb, self.total_mb = seconds, largest_mb, total_mb


def tree_rss_mb(pid):
    """Resident memory of a process and all its descendants, in MB, from /proc."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M).group(1))
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(child) for child in (task / "children").read_text().split())
        except (OSError, AttributeError, ValueError):
            continue  # it ended meanwhile, or has no memory of its own
    return total / 1024


class MemorySampler:
    """Samples the memory of a running process tree every 20 ms, in a thread."""

    def __init__(self, pid):
        self.pid, self.peak_mb, self.done = pid, 0.0, threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def sample(self):
        while not self.done.wait(0.02):
            self.peak_mb = max(self.peak_mb, tree_rss_mb(self.pid))

    def stop(self):
        self.done.set()
        self.thread.join()
        return self.peak_mb


def start(command, log, **options):
    return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, **options)


def finish(process, log, command):
    """Reap the process with wait4, for the peak memory of its tree; exit if it failed."""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, -15):  # -15: a server we stopped
        log.seek(0)
        sys.exit(f"failed ({process.returncode}): {' '.join(map(str, command))}\n" + log.read()[-3000:])
    return usage.ru_maxrss / 1024  # kB on Linux


def run(command, **options):
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as log:
        started = time.perf_counter()
        process = start(command, log, **options)
        sampler = MemorySampler(process.pid)
        largest = finish(process, log, command)
        seconds = time.perf_counter() - started
        total = sampler.stop()
    return Measured(seconds, largest, max(total, largest))


# ## The corpus
def make_corpus(folder):
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    folder.mkdir(parents=True)
    lines = 0
    for module in sorted(stdlib.glob("*.py")):
        shutil.copyfile(module, folder / module.name)
        lines += module.read_bytes().count(b"\n")
    return sorted(folder.glob("*.py")), lines


def edit(path, number):
    with open(path, "a", encoding="utf-8") as file:
        file.write(f"\n# Edit number {number} by the benchmark.\nbenchmark_edit_{number} = {number}\n")


# ## One round of the builds
def build_round(work, corpus, files, number, results):
    def fresh(name):
        path = work / f"{name}-{number}"
        shutil.rmtree(path, ignore_errors=True)
        return path

    results["pycco"].append(run(PYCCO + ["-d", str(fresh("pycco")), *map(str, files)], cwd=work))
    results["pages"].append(run(BUILD + ["--no-run", "--source", str(corpus), "--pages-only",
                                         str(fresh("pages")), "--cache-dir", str(fresh("pages-cache"))]))
    site, cache = fresh("site"), fresh("cache")
    full = BUILD + ["--no-run", "--source", str(corpus), "--site-dir", str(site), "--cache-dir", str(cache)]
    results["cold"].append(run(full))
    results["warm"].append(run(full))
    edit(corpus / EDITED_MODULE, number)
    results["one edited"].append(run(full))
    alone = fresh("alone")
    alone.mkdir()
    shutil.copyfile(corpus / EDITED_MODULE, alone / EDITED_MODULE)
    results["that file alone"].append(run(BUILD + ["--no-run", "--source", str(alone), "--pages-only",
                                                   str(fresh("alone-pages")), "--cache-dir",
                                                   str(fresh("alone-cache"))]))
    for name in ("pycco", "pages", "site", "cache", "alone", "alone-pages", "alone-cache", "pages-cache"):
        shutil.rmtree(work / f"{name}-{number}", ignore_errors=True)


# ## The preview server
def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8", errors="replace")
    except (OSError, urllib.error.URLError):
        return None


def wait_for(url, wanted, timeout, every=0.01):
    """Seconds until the page at `url` holds `wanted`; None if it never did within `timeout`."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        body = fetch(url)
        if body is not None and wanted in body:
            return time.perf_counter() - started
        time.sleep(every)
    return None


def find_page(base, wanted, limit=200):
    """The URL of the served page that holds `wanted`, found by following the site's links from its home page."""
    seen, queue = set(), [base]
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        body = fetch(url)
        if body is None:
            continue
        if wanted in body:
            return url
        for link in re.findall(r'href="([^"#?]*)"', body):
            target = urllib.parse.urljoin(url, link)
            if target.startswith(base) and target.endswith("/"):
                queue.append(target)
    return None


def tutorial_to_edit(source):
    """The largest code-first tutorial of our own site: its page is the slowest to make."""
    tutorials = [path for path in source.rglob("*.py") if not path.name.startswith("__init__")]
    return max(tutorials, key=lambda path: (path.stat().st_size, str(path)))


def copy_of_this_site(work, name):
    """This repository's settings and sources, copied: what a preview edits is never the checkout."""
    project = work / name
    shutil.rmtree(project, ignore_errors=True)
    project.mkdir(parents=True)
    for folder in ("source", "site_templates"):
        shutil.copytree(ROOT / folder, project / folder)
    shutil.copyfile(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    return project


def serve_command(kind, project, port):
    """`build_docs.py serve`, or `mkdocs serve` running the plugin, over a copy of this site."""
    address = f"127.0.0.1:{port}"
    if kind == "build_docs.py serve":
        return BUILD + ["serve", "--config", str(project / "mkdocs.yml"), "--dev-addr", address]
    return [sys.executable, "-m", "mkdocs", "serve", "--config-file", str(project / "mkdocs.yml"),
            "--dev-addr", address]


def serve_round(work, edits, kind):
    project = copy_of_this_site(work, kind.split()[0])
    tutorial = tutorial_to_edit(project / "source")
    original = tutorial.read_text(encoding="utf-8")
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    command = serve_command(kind, project, port)
    latencies = []
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as log:
        server = start(command, log, cwd=project)
        sampler = MemorySampler(server.pid)
        try:
            if wait_for(base, "</html>", timeout=600, every=0.2) is None:
                raise SystemExit(f"{kind} never answered")
            marker = "Benchmark marker 0."
            tutorial.write_text(original + f"\n# {marker}\n", encoding="utf-8")
            url = None
            if wait_for(base, "</html>", timeout=60) is not None:
                deadline = time.perf_counter() + 120
                while url is None and time.perf_counter() < deadline:
                    url = find_page(base, marker)
            if url is None:
                raise SystemExit(f"no page served by {kind} shows the edit of {tutorial.name}")
            for number in range(1, edits + 1):
                time.sleep(3)  # let the previous edit's tests run, as an author reads the page meanwhile
                marker = f"Benchmark marker {number}."
                tutorial.write_text(original + f"\n# {marker}\n", encoding="utf-8")
                seconds = wait_for(url, marker, timeout=120)
                if seconds is None:
                    log.seek(0)  # serve's writes moved the shared offset to the end
                    raise SystemExit(f"{url} never showed edit {number}; what {kind} printed:\n{log.read()[-6000:]}")
                latencies.append(seconds)
        finally:
            server.terminate()
            largest = finish(server, log, command)
            total = sampler.stop()
    return [Measured(seconds, largest, max(total, largest)) for seconds in latencies], tutorial.name, url


# ## A syntax error
#
# The build reads and parses every source before any tutorial's tests run,
# so a syntax error in the last tutorial stops a cold build with its tests
# on at once. The round breaks that tutorial's last line, builds from
# nothing, and times the build until it exits, checking that it failed on
# that line and that no test ran.
def syntax_error_round(work, number):
    project = copy_of_this_site(work, f"syntax-{number}")
    last = sorted(path for path in (project / "source").rglob("*.py") if not path.name.startswith("__init__"))[-1]
    text = last.read_text(encoding="utf-8")
    line = text.count("\n") + 1
    last.write_text(text + "def broken(:\n", encoding="utf-8")
    command = BUILD + ["build", "--config", str(project / "mkdocs.yml")]
    started = time.perf_counter()
    result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, cwd=project)
    seconds = time.perf_counter() - started
    said = result.stdout + result.stderr
    if result.returncode == 0 or f"{last.name}:{line}" not in said:
        raise SystemExit(f"the build did not stop at {last.name}:{line}:\n{said[-3000:]}")
    if re.search(r"\b\d+ (passed|failed)\b", said):
        raise SystemExit(f"a tutorial's tests ran before the syntax error stopped the build:\n{said[-3000:]}")
    shutil.rmtree(project, ignore_errors=True)
    return seconds, last.name, line


# ## The table
def describe(measures, pycco):
    times = [m.seconds for m in measures]
    median = statistics.median(times)
    faster = f"{pycco / median:6.2f}×" if pycco else "       "
    largest = max(m.largest_mb for m in measures)
    total = max(m.total_mb for m in measures)
    return median, (f"{median:8.2f} s {min(times):7.2f} {max(times):7.2f}   {faster}  "
                    f"{largest:7.0f} {total:9.0f}")


def load():
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


PREVIEWS = ("build_docs.py serve", "mkdocs serve")


def report(results, previews, syntax_errors, files, lines, repeats, load_before):
    labels = {
        "pycco": "Pycco over the corpus",
        "pages": "ours: pages only, cold",
        "cold": "ours: full build, cold",
        "warm": "ours: full build, warm, no change",
        "one edited": f"ours: full build, {EDITED_MODULE} edited",
        "that file alone": f"ours: pages of {EDITED_MODULE} alone, cold",
    }
    print()
    print(f"corpus: {len(files)} modules, {lines:,} lines (Python {sys.version.split()[0]} standard library); "
          f"{repeats} rounds; {os.cpu_count()} cores")
    print(f"load average (1 / 5 / 15 min): {load_before} before, {load()} after")
    print()
    print(f"{'':40} {'median':>10} {'min':>7} {'max':>7}  {'vs Pycco':>8} {'peak MB':>8} {'all procs':>9}")
    medians = {}
    if repeats:
        pycco = statistics.median(m.seconds for m in results["pycco"])
        for key, label in labels.items():
            medians[key], row = describe(results[key], pycco)
            print(f"{label:40} {row}")
    for kind, (measures, tutorial, url) in previews.items():
        _, row = describe(measures, None)
        print(f"{kind + ': edit saved -> page served':40} {row}")
        print(f"  ({len(measures)} edits of {tutorial}, polled at {url})")
    if syntax_errors:
        times = [seconds for seconds, _, _ in syntax_errors]
        _, name, line = syntax_errors[0]
        print(f"{'syntax error: start -> build stopped':40} {statistics.median(times):8.2f} s "
              f"{min(times):7.2f} {max(times):7.2f}")
        print(f"  (a cold build of this site with its tests, {name}:{line} broken; no test ran)")
    print()
    print("goals (issue 25, and issue 11 before it):")
    if repeats:
        peak = max(m.total_mb for key, measures in results.items() if key != "pycco" for m in measures)
        print(f"  full build, cold, <= 0.9x Pycco's time:       {medians['cold'] / pycco:.2f}x Pycco's time")
        print(f"  pages only, cold, >= 3x faster than Pycco:   {pycco / medians['pages']:.2f}x (issue 11)")
        print(f"  warm build <= 5% of the cold build:           {100 * medians['warm'] / medians['cold']:.1f}%")
        print(f"  one file edited <= that file + a constant:    {medians['one edited']:.2f} s = "
              f"{medians['that file alone']:.2f} s + {medians['one edited'] - medians['that file alone']:.2f} s "
              f"(issue 11)")
        print(f"  peak memory < 500 MB on the corpus:           {peak:.0f} MB (all processes, sampled)")
    for kind, goal in zip(PREVIEWS, (0.3, 1.5)):
        if kind in previews:
            times = [m.seconds for m in previews[kind][0]]
            print(f"  {kind}: an edit visible within {goal} s:".ljust(48)
                  + f"{max(times):.2f} s (slowest), {statistics.median(times):.2f} s (median)")
    if syntax_errors:
        slowest = max(seconds for seconds, _, _ in syntax_errors)
        print(f"  a syntax error reported within 5 s:           {slowest:.2f} s (slowest)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3,
                        help="rounds of the builds and of the syntax error; 0 times the previews alone (default: 3)")
    parser.add_argument("--serve-edits", type=int, default=8,
                        help="edits timed in each preview; 0 skips them (default: 8)")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep it, instead of a temporary folder")
    arguments = parser.parse_args(argv)
    load_before = load()
    with tempfile.TemporaryDirectory(prefix="bench_build-") as temporary:
        work = Path(arguments.keep or temporary).resolve()
        if arguments.keep:
            shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True, exist_ok=True)
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ["PYTHONPYCACHEPREFIX"] = str(work / "bytecode")
        corpus = work / "corpus"
        files, lines = make_corpus(corpus)
        results = {key: [] for key in ("pycco", "pages", "cold", "warm", "one edited", "that file alone")}
        syntax_errors = []
        for number in range(1, arguments.repeats + 1):
            print(f"round {number} of {arguments.repeats}...", file=sys.stderr)
            build_round(work, corpus, files, number, results)
            syntax_errors.append(syntax_error_round(work, number))
        previews = {}
        for kind in PREVIEWS if arguments.serve_edits else ():
            print(f"{kind}...", file=sys.stderr)
            previews[kind] = serve_round(work, arguments.serve_edits, kind)
        report(results, previews, syntax_errors, files, lines, arguments.repeats, load_before)


if __name__ == "__main__":
    main()
