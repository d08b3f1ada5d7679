"""
# Judging every tutorial

Every tutorial gets the verdict of its tests: from the cache, or from a run.

In: the site's pages, their code, what parsing found in it (their tests and
their imports), and the settings of `mkdocs.yml`. Out: the verdict of
each page with tests, {page: Verdict}, from the cache when nothing it
depends on changed, from a run otherwise: in parallel in a build, in the
background in a preview.
"""

import ast
import concurrent.futures
import functools
import importlib.metadata
import os
import platform
import sys
import warnings
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from literate.read import BuildError, display_path, path_digest, write_if_changed
from literate.console import Console
from literate.cache import fingerprint, load, store
from literate.settings import PLUGIN_NAME, literate_settings
from literate.parse import import_statements
from literate.model import NOT_RUN, TIMED_OUT, CaseResult, Verdict
from literate.testrun import PYTEST_COMMAND, RunningTests, run_tutorial_tests, verdict_summary


# A verdict stays true while nothing it depends on changes: the tutorial,
# the project's modules it imports (found from its `import` statements with
# `ast`, and theirs in turn), a `conftest.py` beside it, the versions of
# Python, pytest and the libraries it imports, and its timeout. A hash of
# all of them keys the cache, so an unchanged tutorial is not run again and
# one whose helper changed is.
def imported_modules(statements, path):
    """(folder, dotted name) of each module an import may load; folder None: the search path."""
    for level, module, name in statements:
        folder = None
        if level:
            folder = Path(path).parent
            for _ in range(level - 1):
                folder = folder.parent
        yield folder, ".".join(part for part in (module, name) if part and part != "*")


def project_module_files(dotted, root):
    """The files `import dotted` runs from under `root`: packages' `__init__.py` on the way, then the module."""
    files, base = [], Path(root)
    for part in dotted.split("."):
        base = base / part
        if (base / "__init__.py").is_file():
            files.append(base / "__init__.py")
        elif base.with_suffix(".py").is_file():
            files.append(base.with_suffix(".py"))
            break
        elif not base.is_dir():
            break
    return files


def dependencies(script, folder, known):
    """The project files the tests of `script` run, and the top-level modules it imports from elsewhere.
    `known` holds what this build read and parsed of some of them, {resolved path: (bytes, imports)}."""
    roots = list(dict.fromkeys([Path(script).parent, Path(folder)]))
    queue = [Path(script)] + [root / "conftest.py" for root in roots if (root / "conftest.py").is_file()]
    files, elsewhere = {}, set()
    while queue:
        path = queue.pop()
        resolved = path.resolve()
        if resolved in files:
            continue
        if resolved in known:
            files[resolved], statements = known[resolved]
        else:
            files[resolved] = path.read_bytes()
            statements = imports_in(files[resolved])
        for base, dotted in imported_modules(statements, path):
            found = next(filter(None, (project_module_files(dotted, root) for root in ([base] if base else roots))), [])
            queue.extend(found)
            if not found and base is None:
                elsewhere.add(dotted.split(".")[0])
    return files, elsewhere - set(sys.stdlib_module_names)


# The tutorials come parsed; the project's other modules they import (and
# a `conftest.py`) are parsed here. A preview judges every tutorial on every
# edit, so what such a file imports is kept by its bytes, and a file is
# parsed again only when it changed.
@functools.lru_cache(maxsize=1024)
def imports_in(data):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return import_statements(ast.parse(data))
    except (SyntaxError, ValueError):
        return ()


# Reading a version parses the distribution's metadata: a build asks once
# for each library, however many tutorials import it (`known`).
def runtime_versions(modules, known):
    versions = [("Python", platform.python_version())]
    for module in sorted(modules):
        if module not in known:
            known[module] = installed_version(module)
        versions.append(known[module])
    return tuple(versions)


# A library's version is asked of its installed metadata, never by
# importing it: the build itself must not load torch. Most distributions
# are named like the module they install; for the others (`yaml` comes from
# PyYAML) the full map of installed files is read, once, and only then:
# it takes a second.
def installed_version(module):
    try:
        return module, importlib.metadata.version(module)
    except importlib.metadata.PackageNotFoundError:
        pass
    distribution = (installed_modules().get(module) or [None])[0]
    return distribution or module, importlib.metadata.version(distribution) if distribution else "not installed"


@functools.lru_cache(maxsize=1)
def installed_modules():
    return importlib.metadata.packages_distributions()


def cache_key(files, runtime, timeout, folder):
    facts = [PYTEST_COMMAND, sys.version, importlib.metadata.version("pytest"), runtime, timeout]
    return fingerprint(facts, [(os.path.relpath(path, Path(folder).resolve()), files[path]) for path in sorted(files)])


# The cache holds one JSON file for each tutorial, named after its path,
# with the key it was made under: a changed tutorial overwrites its entry
# instead of adding one. A timeout is not cached: it says more about how
# busy the machine was than about the tutorial.
def cache_entry(cache_dir, source):
    return Path(cache_dir) / "tutorial-tests" / f"{path_digest(source)}.json"


# A text-first tutorial's tests run from the code PyLit makes of it: pytest
# needs a `.py` file. It is kept in the cache folder, at a path of its own
# that stays the same from build to build, as the cache key needs; pytest
# runs it from the tutorial's folder, so that the tutorial imports its
# neighbours as a `.py` source would.
def tests_script(page, code, cache_dir):
    if not page.text_first:
        return page.source
    script = Path(cache_dir) / "text-first" / path_digest(page.source) / f"{page.name}.py"
    write_if_changed(script, code)
    return script


def still_as_read(files):
    try:
        return all(Path(path).read_bytes() == data for path, data in files.items())
    except OSError:
        return False


def cached_verdict(entry, key):
    stored = load(entry, key)
    if stored is None:
        return None
    return Verdict(**{**stored, "functions": tuple(stored["functions"]),
                      "cases": tuple(CaseResult(**case) for case in stored["cases"]),
                      "runtime": tuple(tuple(pair) for pair in stored["runtime"])})


# A verdict is cached only when the files it was keyed on still hold the
# bytes of the key once the run is over: a save during the run may be what
# ran, and its verdict must not pass for the version that was read.
def store_verdict(entry, key, verdict, files):
    if verdict.status == TIMED_OUT or not still_as_read(files):
        return
    store(entry, key, asdict(verdict))


# ## Settings
#
# The plugin's settings in `mkdocs.yml` say, under `tutorial_tests:`, how
# long a tutorial may run (`timeout`, 120 s unless set; `timeouts` for
# single files) and which tutorials are expected to fail, with the reason
# (`expected_failures`); MkDocs checks their types (see "Settings"). Files
# are named by their path under the source folder. A name there that is no
# tutorial with tests is an error, so the lists cannot outlive what they
# describe. The command line adds whether to run at all (`--no-run`) and
# where the cache lives (`--cache-dir`).
@dataclass
class TutorialTestOptions:
    run: bool = True
    console: Console = field(default_factory=Console)  # where each verdict is said
    cache_dir: Path = None  # None: the plugin's setting in mkdocs.yml (see "Build")
    # In a preview: the tests running in the background, which the preview
    # owns (see `serve`); None in a build, which waits for its runs.
    background: object = None


def tutorial_test_settings(config, names_with_tests):
    settings = literate_settings(config).tutorial_tests
    where = f"{display_path(config.config_file_path)}: plugins: {PLUGIN_NAME}: tutorial_tests"
    for key in ("timeouts", "expected_failures"):
        for name in settings[key]:
            if name not in names_with_tests:
                raise BuildError(f"{where}: {key} names {name}, which is not a tutorial with tests")
    timeouts = {name: settings.timeouts.get(name, settings.timeout) for name in names_with_tests}
    return timeouts, settings.expected_failures


# A run to make: what to run, and what its verdict will be cached under.
class PendingRun(NamedTuple):
    page: object
    script: Path
    functions: tuple
    timeout: float
    runtime: tuple
    key: str
    entry: Path
    files: dict  # the bytes the key was made of, {path: bytes}


# ## Judging every tutorial
#
# A page's verdict comes from the cache when nothing it depends on changed,
# and from a run otherwise. The runs go in parallel, one process per core;
# the console gets one line a tutorial (a preview, which builds on every
# edit, tells each verdict once). The verdicts are in the order of the
# pages.
def judge_tutorials(pages, texts, code_facts, source_dir, config, options):
    """{page: its tests' `Verdict`}, for every page with tests."""
    tested = []
    for page in pages:
        if page.source in code_facts and code_facts[page.source].tests:
            tested.append((page, texts[page.source].code, tuple(code_facts[page.source].tests),
                           Path(os.path.relpath(page.source, source_dir)).as_posix()))
    timeouts, expected = tutorial_test_settings(config, {name for _, _, _, name in tested})
    pending, versions, verdicts = [], {}, {}
    parsed = {Path(page.source).resolve(): (texts[page.source].data, code_facts[page.source].imports)
              for page in pages if page.source in code_facts and not page.text_first}
    for page, code, functions, name in tested:
        if not options.run:
            verdicts[page] = Verdict(NOT_RUN, functions)
            continue
        script = tests_script(page, code, options.cache_dir)
        known = {**parsed, Path(script).resolve(): (code.encode("utf-8"), code_facts[page.source].imports)}
        files, elsewhere = dependencies(script, page.source.parent, known)
        runtime = runtime_versions(elsewhere, versions)
        key = cache_key(files, runtime, timeouts[name], page.source.parent)
        entry = cache_entry(options.cache_dir, page.source)
        verdicts[page] = cached_verdict(entry, key) or (options.background and options.background.verdict(entry, key))
        if verdicts[page] is None:
            pending.append(PendingRun(page, script, functions, timeouts[name], runtime, key, entry, files))
            continue
        line = f"{display_path(page.source)}: {verdict_summary(verdicts[page])} (cached)"
        if options.background is None:
            options.console.say(line)
        else:
            options.background.tell(entry, key, line)
    if options.background is None:
        verdicts.update(run_in_parallel(pending, options.console))
    else:
        verdicts.update(options.background.run(pending))
    return {page: replace(verdicts[page], expected_failure=str(expected[name] or "")) if name in expected
            else verdicts[page] for page, _, _, name in tested}


def run_in_parallel(pending, console):
    """{page: the verdict of its run}."""
    running, verdicts = RunningTests(), {}
    with (concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool,
          console.steps("tutorials' tests", len(pending)) as advance):
        runs = {
            pool.submit(run_tutorial_tests, job.script, display_path(job.page.source), job.page.source.parent,
                        job.functions, job.timeout, running, job.runtime): job
            for job in pending
        }
        try:
            for future in concurrent.futures.as_completed(runs):
                job = runs[future]
                verdict = verdicts[job.page] = future.result()
                store_verdict(job.entry, job.key, verdict, job.files)
                console.say(f"{display_path(job.page.source)}: {verdict_summary(verdict)}")
                advance()
        except BaseException:  # Ctrl-C above all: the runs would go on to their timeouts
            pool.shutdown(wait=False, cancel_futures=True)
            running.stop()
            raise
    return verdicts
