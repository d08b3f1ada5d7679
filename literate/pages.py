"""
# Pages: each rendered once, in parallel

Every page is rendered at most once, and in a process per core.

In: the site's pages, their texts, where every source is published and
how commentary breaks lines. Out: each page's `RenderedPage` (its title,
summary, warnings, downloads, its notebook among them, body, and what the
tests that run next need of its code), from the cache when nothing it
depends on changed, parsed and rendered otherwise; or a `BuildError`
listing every source that cannot be a page, before any test runs.
"""

import concurrent.futures
import contextlib
import functools
import gc
import hashlib
import importlib.metadata
import multiprocessing
import os
import sys
from dataclasses import replace
from pathlib import Path

from literate import STAGES
from literate.read import BuildError, SourceError, display_path, path_digest
from literate.cache import fingerprint, load, store
from literate.parse import parse_code
from literate.render import page_downloads, render_page
from literate.notebook import notebook_download


# What a page's body looks like depends on its source, on which page it is
# (its source's path, its name, language and path in the repository), and
# on the stages that render it and the libraries they render with; on
# nothing else. Not on its tests' verdict: that is joined in when the page
# is written, so a verdict that arrives in a preview renders nothing again,
# and editing the stages after this one (running tests, writing, MkDocs,
# the preview) keeps every rendered page. A hash of all of them keys a
# cache of rendered pages, kept with the test results (`.cache/pages/`): a
# page whose inputs have not changed since the last build is read from
# there rather than rendered again. Like Python's own `__pycache__`, the
# cache holds pickles, which only this program writes.
#
# The pages that must be rendered are rendered in parallel, a process per
# core, the longest sources first so that no core is left with one long
# file at the end. The workers are forked, and so start at once with all
# of this program loaded. This process would only wait for them: the
# caller may give it something to do meanwhile (a build loads what MkDocs
# will need, see "The MkDocs plugin"). The preview renders its pages
# itself: it runs other threads (its server, tests in the background), and
# a fork would copy any lock another thread held at that moment, while a
# fresh interpreter would have to import all this program imports, which
# costs more than a preview's few pages. The caller says which it is, so
# that a build renders the same way whatever else its process happens to
# run.
#
# Every source is read before the build stops, so that one run lists every
# file that needs fixing, a line each, in the `path:line:col: message` form
# that editors jump to.
def render_pages(pages, texts, cache_dir, console, links=None, line_breaks="join", processes=True, meanwhile=None):
    """{page: its `render.RenderedPage`}, and the warnings."""
    jobs, rendered = [], {}
    settings = [line_breaks, None if links is None else links.digest]  # the same for every page
    for page in pages:
        read = texts[page.source]
        key = None if isinstance(read, SourceError) else render_key(page, read.data, settings)
        entry = Path(cache_dir) / "pages" / f"{path_digest(page.source)}.pickle"
        stored = cached_rendering(entry, key)
        if stored is None:
            jobs.append((page, key, entry, read, links, line_breaks))
        else:
            rendered[page] = stored
    failed = {}
    with console.steps("pages", len(jobs)) as advance:
        outcomes = in_parallel(render_source_page, jobs, job_size, processes, meanwhile, advance)
    for (page, *_), (made, error) in zip(jobs, outcomes):
        if error:
            failed[page.source] = error
        else:
            rendered[page] = made
    errors, warnings = [], []
    for page in pages:
        if page.source in failed:
            line, col, message = failed[page.source]
            errors.append(f"{display_path(page.source)}:{line}:{col}: {message}")
            continue
        for line, message in rendered[page].warnings:
            warnings.append(f"{display_path(page.source)}:{line}: warning: {message}")
            print(warnings[-1], file=sys.stderr)
    if errors:
        raise BuildError("\n".join(errors))
    return rendered, warnings


# Rendering a source makes a great many small objects (its tokens alone
# are hundreds of thousands on a long module) and hardly a cycle among
# them: reference counting frees them. Python's cycle collector would
# still run every few hundred allocations, and every so often walk every
# object of the process, the program itself included, over and over on
# one long module. So it is paused while a page is made; what cycles the
# page left are collected afterwards, in the collector's usual course.
@contextlib.contextmanager
def cycles_collected_after():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def render_source_page(job):
    """(its `RenderedPage`, None), or (None, (line, col, message)) for a source that cannot be a page."""
    with cycles_collected_after():
        return render_one(*job)


def render_one(page, key, entry, read, links, line_breaks):
    try:
        if isinstance(read, SourceError):
            raise read
        try:
            parsed = parse_code(read.code)
        except SourceError as error:
            raise read.in_text(error) from None
        downloads, warnings = page_downloads(page, read)
        downloads.update(notebook_download(page, read.code, parsed))
        rendered = render_page(page, read.code, parsed, links, line_breaks, downloads)
    except SourceError as error:
        return None, (error.line, error.col, error.message)
    rendered = replace(rendered, warnings=warnings + rendered.warnings)
    if key is not None:
        store_rendering(entry, key, rendered)
    return rendered, None


# The key: the stages up to this one (`literate/read.py` to
# `literate/pages.py`) and their libraries, which page it is, and the bytes
# of its source. A source that cannot be read has no key; rendering it
# reports why. How commentary breaks lines (the plugin's `line_breaks`
# in `mkdocs.yml`) is part of which page it is, and so is where the pages
# it may link to are published (see "links").
PAGE_IDENTITY = ("source", "name", "repo_path", "lang")


def render_key(page, source, settings):
    identity = [str(getattr(page, name)) for name in PAGE_IDENTITY] + settings
    return fingerprint([renderer_fingerprint(), identity], [("source", source)])


@functools.lru_cache(maxsize=1)
def renderer_fingerprint():
    digest = hashlib.sha256()
    for stage in STAGES[: STAGES.index("pages") + 1]:
        digest.update((Path(__file__).parent / f"{stage}.py").read_bytes())
    for library in ("markdown", "pygments", "latex2mathml", "nh3", "pylit", "nbformat", "griffe", "pyyaml"):
        digest.update(f"\0{library} {importlib.metadata.version(library)}".encode())
    digest.update(sys.version.encode())
    return digest.hexdigest()


def cached_rendering(entry, key):
    return None if key is None else load(entry, key, form="pickle")


def store_rendering(entry, key, rendered):
    store(entry, key, rendered, form="pickle")


def job_size(job):
    try:
        return Path(job[0].source).stat().st_size
    except OSError:
        return 0


# A forked worker starts with the jobs in its memory, as this process holds
# them: it is sent only a job's number. Sent whole, every job would be
# pickled here, while the workers render, and unpickled there: the site's
# link targets once a page, and the text of its source three times over.
# Only what a job gives back travels.
INHERITED = None  # (function, jobs) while `in_parallel` runs them in workers


def run_inherited(index):
    function, jobs = INHERITED
    return function(jobs[index])


def in_parallel(function, jobs, size, processes=True, meanwhile=None, done=lambda: None):
    """[function(job) for job in jobs]: with processes, in a process per core, the largest jobs first.

    `meanwhile()`, if given, runs in this process while the jobs run, or after them without processes;
    `done()` is called as each job ends.
    """
    global INHERITED
    workers = min(len(jobs), os.cpu_count() or 1)
    if workers < 2 or not processes:
        results = []
        for job in jobs:
            results.append(function(job))
            done()
        if meanwhile:
            meanwhile()
        return results
    order = sorted(range(len(jobs)), key=lambda index: -size(jobs[index]))
    INHERITED = function, jobs
    try:
        with concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            running = {pool.submit(run_inherited, index): index for index in order}
            if meanwhile:
                meanwhile()
            results = {}
            for future in concurrent.futures.as_completed(running):
                results[running[future]] = future.result()
                done()
    finally:
        INHERITED = None
    return [results[index] for index in range(len(jobs))]
