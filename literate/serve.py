"""
# Serve: a live preview

`python build_docs.py serve` builds the site again on every edit, and
`mkdocs serve` with the plugin too, by the same `Preview`.

In: the source folder and `mkdocs.yml`. Out: the site, served and built
again on every edit, with the tutorials' tests running in the background;
for `mkdocs serve`, a `Preview` that builds each change into the site
MkDocs' server serves.
"""

import concurrent.futures
import os
import signal
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

from literate import ROOT
from literate.read import BuildError, display_path
from literate.console import Console
from literate.settings import PLUGIN_NAME
from literate.model import RUNNING, Verdict
from literate.testrun import RunningTests, run_tutorial_tests, verdict_summary
from literate.judge import TutorialTestOptions, store_verdict
from literate.rebuild import PreviewSite
from literate.build import build_site


# `serve` builds the site exactly as `build` does, into a temporary folder,
# and serves it with MkDocs' live-reload server. When a file under the
# sources, the theme's `custom_dir` or `mkdocs.yml` changes, the site is built
# again and the browser reloads; a build that fails prints its error and
# leaves the previous preview up. Tests run as in a build, but a failing one
# is reported and shown on its page rather than stopping the preview.
#
# An edit is on the page before the author has looked up from the editor:
# the server hears of a change from the system as it happens (see
# `file_observer`), and waits a fiftieth of a second for the save to settle
# (an editor saves with a few writes, or a write and a rename, in a row);
# where the system refuses, it looks for changes every twentieth of a
# second, and waits as long. MkDocs' defaults are a look every half second
# and a tenth's wait; a save caught half-written is built again as soon as
# the rest lands. A build renders only the edited page, MkDocs builds
# only the pages that changed, into the site of the build before (the
# preview keeps what that build made: see `PreviewSite` in "Rebuild"), and
# the edited tutorial's tests run in the background (see "Tests in the
# background"): the page says they are running, and shows their verdict
# when they finish, without being rendered again.
PREVIEW_POLLING_SECONDS = 0.05
PREVIEW_SETTLE_SECONDS = 0.02


def serve_site(source_dir, config_file, address, testing=None):
    from mkdocs.livereload import LiveReloadServer
    from watchdog.observers.polling import PollingObserver

    config_file = Path(config_file).resolve()
    host, port = address.rsplit(":", 1)
    # Stopped by a signal (a test, a supervisor), the preview ends as on
    # Ctrl-C: tests it started are stopped and its temporary site goes.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with tempfile.TemporaryDirectory(prefix="build_docs-serve-") as folder:
        site_dir = Path(folder) / "site"
        preview = Preview(folder, testing or TutorialTestOptions())

        def rebuild():
            return preview.rebuild(source_dir, site_dir, config_file)

        try:
            config = rebuild()
            server = LiveReloadServer(builder=rebuild, host=host, port=int(port), root=str(site_dir),
                                      polling_interval=PREVIEW_POLLING_SECONDS)
            paths = watched_paths(config, source_dir, config_file)
            server.observer = file_observer([*paths, preview.background.notify_dir])
            polls = isinstance(server.observer, PollingObserver)
            preview.watch(server, paths, PREVIEW_POLLING_SECONDS if polls else PREVIEW_SETTLE_SECONDS)
            # Port 0 lets the system choose a free port: the address announced
            # is the one bound, once it is bound.
            bind = server.server_bind

            def bind_and_name_the_port():
                bind()
                server.url = f"http://{host}:{server.server_port}/"
                print(f"Serving on {server.url} (Ctrl-C stops)", flush=True)

            server.server_bind = bind_and_name_the_port
            try:
                server.serve()
            except KeyboardInterrupt:
                pass
            finally:
                server.shutdown()
        finally:
            preview.stop()


# ## What a preview keeps between its builds
#
# `build_docs.py serve` and `mkdocs serve` (see "The plugin as MkDocs loads
# it") preview alike: this holds what both keep from one build to the
# next, in `folder`: the tests running in the background and their news,
# the site MkDocs built last (`PreviewSite`), and the watched files as they
# were. `rebuild` is a live-reload server's builder: it builds the site
# into `site_dir` and prints the preview's line; a build that fails prints
# its error and leaves the site of the build before.
class Preview:
    def __init__(self, folder, testing):
        self.folder = Path(folder)
        self.console, self.news, self.changes = testing.console, Console(keep=True), Changes()
        self.background = BackgroundTests(Path(folder) / "verdicts", self.news)
        self.background.notify_dir.mkdir()
        self.site = PreviewSite(folder)
        self.testing = replace(testing, background=self.background, console=self.news)

    def rebuild(self, source_dir, site_dir, config_file, overrides=None):
        from mkdocs.exceptions import MkDocsException

        started, changed = time.perf_counter(), self.changes.since_last()
        try:
            config = build_site(source_dir, site_dir, config_file, self.testing, preview=True,
                                overrides=overrides, preview_site=self.site)
        except (BuildError, MkDocsException) as error:
            print(error, file=sys.stderr)
            config = None
        self.console.say(rebuild_line(changed, config is not None, time.perf_counter() - started, self.news.take()))
        return config

    # The server watches `paths` and the folder where a verdict's arrival
    # is announced, and builds once a change has settled for `settle`
    # seconds; a polling server, for as long as it waits between looks
    # (`build_delay` is the server's own setting: MkDocs leaves it for its
    # users to set, and waits a tenth of a second).
    def watch(self, server, paths, settle=PREVIEW_POLLING_SECONDS):
        self.changes.watch(paths)
        server.build_delay = settle
        for path in [*paths, self.background.notify_dir]:
            server.watch(str(path))

    def stop(self):
        self.background.stop()


# Polling finds an edit only at its next look; the system's own notices
# (inotify on Linux) tell at once. They are a per-user resource that other
# programs share, and a system may refuse another instance or more watches:
# the preview then polls, as MkDocs' server does. Whether the system
# agrees is known only by asking: an observer is started on `paths` and
# stopped again, and the server starts its own, as it would a polling one.
# The system also tells when a file is only opened or read, as every build
# reads the sources: those notices would start a build after each build.
def file_observer(paths):
    from watchdog import events
    from watchdog.observers import Observer
    from watchdog.observers.polling import PollingObserver

    changes = [events.FileCreatedEvent, events.FileModifiedEvent, events.FileDeletedEvent,
               events.FileMovedEvent, events.FileClosedEvent, events.DirCreatedEvent,
               events.DirDeletedEvent, events.DirMovedEvent, events.DirModifiedEvent]

    class ChangesObserver(Observer):
        def schedule(self, handler, path, *, recursive=False, event_filter=None, follow_symlink=False):
            return super().schedule(handler, path, recursive=recursive, event_filter=event_filter or changes,
                                    follow_symlink=follow_symlink)

    trial = ChangesObserver(timeout=PREVIEW_POLLING_SECONDS)
    try:
        for path in paths:
            trial.schedule(events.FileSystemEventHandler(), str(path), recursive=True)
        trial.start()
    except OSError as error:
        trial.on_thread_stop()  # gives back what the system granted before it refused
        print(f"Watching by polling: the system refused to notify changes ({error})", file=sys.stderr)
        return PollingObserver(timeout=PREVIEW_POLLING_SECONDS)
    trial.stop()
    trial.join()
    return ChangesObserver(timeout=PREVIEW_POLLING_SECONDS)


# What a preview watches: the sources, `mkdocs.yml`, the theme's
# `custom_dir`, and the generator itself (its modules and templates, and
# in this repository `build_docs.py`), from the settings of its first build;
# when that failed, the sources named on the command line and `mkdocs.yml`.
def watched_paths(config, source_dir, config_file):
    if config is None:
        return [path for path in (source_dir, config_file) if path]
    plugin = config.plugins[PLUGIN_NAME]
    paths = [source_dir or plugin.source_dir, config_file, Path(__file__).parent]
    paths += [path for path in (config.theme.custom_dir, ROOT / "build_docs.py") if path and Path(path).exists()]
    return paths


# ## One line per rebuild
#
# What changed (the files, or a verdict that arrived), whether the build
# worked and how long it took, and what the tests said since the build
# before: the preview's own line. What MkDocs says of each build shows
# with `-v` (see "The command line").
def rebuild_line(changed, built, seconds, news):
    what = ", ".join(changed) if changed else ("a verdict" if news else "the preview")
    line = f"{time.strftime('%H:%M:%S')} {what}: {'rebuilt' if built else 'build failed'} in {seconds:.2f} s"
    if len(news) > 3:
        news = news[:2] + [f"and {len(news) - 2} more verdicts"]
    return "; ".join([line, *news])


# Which of the watched files changed since the last look, by their
# modification times: the server says only that something did.
class Changes:
    def __init__(self):
        self.paths, self.seen = [], {}

    def watch(self, paths):
        self.paths = [Path(path) for path in paths]
        self.seen = self.look()

    def look(self):
        found = {}
        for path in self.paths:
            files = [path] if path.is_file() else path.rglob("*")
            for file in files:
                try:
                    if "__pycache__" not in file.parts and file.is_file():
                        found[file] = file.stat().st_mtime_ns
                except OSError:
                    continue  # gone meanwhile
        return found

    def since_last(self):
        now = self.look()
        changed = sorted(path for path in now.keys() | self.seen.keys() if now.get(path) != self.seen.get(path))
        self.seen = now
        return [display_path(path) for path in changed]


# ## Tests in the background
#
# A preview must not keep the author waiting for tests. There, a tutorial
# whose verdict is not in the cache is shown at once as RUNNING, and its
# tests run in a pool of threads, a run per core but one, which is left to
# the preview's builds; the tutorial saved last runs first (on a cold
# cache every tutorial waits for a run, and the one being edited would
# otherwise wait for all of them). A verdict, when made, goes
# to the cache and is kept here too (a timeout is never cached), and a file
# named after the tutorial is written in `notify_dir`: the preview watches
# that folder, and builds the site again with the verdict. An edit made
# while the tests of the version before still run stops those, whose
# verdict would be stale, and starts the new ones.
#
# The runs end in the pool's threads while builds read their verdicts, so
# what is made is locked. They run at a lower priority than the preview's
# builds: on two cores the tests of the tutorial just saved, and those of
# verdicts still to come, slowed every edit (tests/benchmarks/ measures
# the edits).
PREVIEW_TEST_NICENESS = 10


class BackgroundTests:
    def __init__(self, notify_dir, console):
        self.notify_dir = Path(notify_dir)
        self.console = console  # the preview's news, told with the next rebuild
        self.lock = threading.Lock()
        self.made = {}  # cache entry -> [key of the verdict being made, the verdict once made]
        self.told = {}  # cache entry -> key of the verdict last printed
        self.pool = None  # started with the first run
        self.waiting = []  # runs not started yet, the newest last
        self.running = RunningTests(niceness=PREVIEW_TEST_NICENESS)

    def verdict(self, entry, key):
        with self.lock:
            wanted, verdict = self.made.get(entry, (None, None))
        return verdict if wanted == key else None

    def run(self, pending):
        """{page: its verdict for now, RUNNING}."""
        for job in pending:
            with self.lock:
                if self.made.get(job.entry, [None])[0] == job.key:
                    continue  # already running
                self.made[job.entry] = [job.key, None]
                self.waiting.append(job)
            self.running.stop(job.script)
            if self.pool is None:
                self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, (os.cpu_count() or 1) - 1))
            self.pool.submit(self.run_newest)
            self.console.say(f"{display_path(job.page.source)}: tests running in the background")
        return {job.page: Verdict(RUNNING, job.functions) for job in pending}

    # A preview builds on every edit: each verdict is printed once, not once
    # a build.
    def tell(self, entry, key, line):
        with self.lock:
            told, self.told[entry] = self.told.get(entry), key
        if told != key:
            self.console.say(line)

    def still_wanted(self, entry, key):
        with self.lock:
            return self.made.get(entry, [None])[0] == key

    def run_newest(self):
        with self.lock:
            job = self.waiting.pop()
        self.run_one(job)

    def run_one(self, job):
        if not self.still_wanted(job.entry, job.key):
            return  # a newer edit came first
        verdict = run_tutorial_tests(job.script, display_path(job.page.source), job.page.source.parent,
                                     job.functions, job.timeout, self.running, job.runtime)
        with self.lock:
            if self.made.get(job.entry, [None])[0] != job.key:
                return  # stopped for a newer edit
            self.made[job.entry][1] = verdict
        store_verdict(job.entry, job.key, verdict, job.files)
        self.tell(job.entry, job.key, f"{display_path(job.page.source)}: {verdict_summary(verdict)}")
        self.notify_dir.mkdir(parents=True, exist_ok=True)
        (self.notify_dir / job.entry.name).write_text(job.key, encoding="utf-8")

    def stop(self):
        with self.lock:
            self.made.clear()
            self.waiting.clear()
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
        self.running.stop()
