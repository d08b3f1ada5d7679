"""What the tests share: where the project is, how they build a site, and
how they drive a browser over one.

Builds started here always get a site folder and a cache of the caller's,
never the checkout's: tests never write into the working tree.
"""

import functools
import re
import http.server
import subprocess
import sys
import textwrap
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import yaml

import build_docs
import literate.pages
import literate.parse
import literate.render
import literate.site
import literate.textfirst
from literate import STAGES

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "source"
# The page this project began from, beside the checkout (a newcomer's clone has none).
SEED = ROOT.parent / "shared" / "seed" / "000_e00b43d080c0dd34.txt"
CONFIG = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))


# ## Files and pages

def write(folder, name, text):
    """Writes `text`, dedented, to folder/name; returns the path."""
    path = Path(folder) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def snapshot(folder):
    """Every file under a folder, by relative path, with its bytes."""
    folder = Path(folder)
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def page(site, url):
    """The HTML of the page at `url` ("zh/x/y/") of a built site."""
    return (Path(site) / url / "index.html").read_text(encoding="utf-8")


# ## The pages, known before the site is built
#
# The tests are parametrized by page, so the pages are listed from the
# sources: a tutorial `01_c/02_x.py` is at `c/x/`, a folder's `__init__.py`
# at the folder's own `c/`, its Chinese twin
# `02_x_zh.py` at `zh/c/x/`, and every page has a twin in the other
# language (a note where there is no translation). The generator's pages
# are `build_docs/` and `literate/<stage>/`, the guide's `guide/<page>/`. `test_browser.py`
# checks the list against the built site.
def page_path(source):
    *chapters, name = source.relative_to(SOURCE).parts
    stem = name.removesuffix(literate.textfirst.LITERATE_SUFFIX).removesuffix(".py").removesuffix("_zh")
    return "".join(re.sub(r"^\d+_", "", part) + "/" for part in (*chapters, stem) if part != "__init__")


def expected_paths():
    tutorials = {page_path(path) for path in literate.site.tutorial_sources(SOURCE)
                 if not path.name.startswith("__init__")}  # the source folder's own is the home page's
    for chapter in (folder for folder in SOURCE.rglob("*") if folder.is_dir()):
        tutorials |= {page_path(path) for path in literate.site.tutorial_sources(chapter)}
    generator = {"build_docs/"} | {f"literate/{stage}/" for stage in STAGES}
    guide = {f"guide/{re.sub(r'^[0-9]+_', '', literate.site.page_name(path))}/"
             for path in literate.site.tutorial_sources(ROOT / "literate" / "guide")} | {"guide/configuration/"}
    every = sorted(tutorials | generator | guide | {"", "test-results/"})
    return ["/404.html", "/zh/404.html"] + ["/" + path for path in every] + ["/zh/" + path for path in every]


PATHS = expected_paths()
# Rows or code blocks of a generator page that the browser tests click; the
# generator's pages have hundreds, built from the same templates as the
# tutorials, whose rows and blocks are all clicked.
GENERATOR_SAMPLE = 4


def is_generator_page(path):
    return path.removeprefix("/zh").startswith(("/build_docs/", "/literate/", "/guide/"))


def sampled(path, items):
    """Every item of a tutorial page; of a generator page, an evenly spread few and the last."""
    if not is_generator_page(path) or len(items) <= 2 * GENERATOR_SAMPLE:
        return items
    step = len(items) / GENERATOR_SAMPLE
    return [items[round(i * step)] for i in range(GENERATOR_SAMPLE)] + [items[-1]]


# ## Builds

def project_config(folder, change=None, generator_pages=False):
    """This project's mkdocs.yml, written into `folder` with its paths made
    absolute, so that a site of other sources can be built from anywhere.
    Without the generator's own chapters unless `generator_pages`: they are
    most of this site's pages, and a build from a cache of its own renders
    every one of them. `change(config)` edits it before it is written."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    plugin_settings(config)["generator_pages"] = generator_pages
    config["theme"]["custom_dir"] = str(ROOT / config["theme"]["custom_dir"])
    for plugin in config["plugins"]:
        if isinstance(plugin, dict) and "search" in plugin:
            plugin["search"]["jieba_dict_user"] = str(ROOT / plugin["search"]["jieba_dict_user"])
    if change:
        change(config)
    path = Path(folder) / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def plugin_settings(config):
    """The settings of the plugin literate in a `mkdocs.yml` read as YAML, to edit."""
    return next(plugin["literate"] for plugin in config["plugins"] if isinstance(plugin, dict) and "literate" in plugin)


def run_command(*arguments, cwd=ROOT, env=None):
    """`python build_docs.py ARGUMENTS` in a process of its own."""
    return subprocess.run([sys.executable, str(ROOT / "build_docs.py"), *map(str, arguments)],
                          capture_output=True, text=True, cwd=cwd, env=env)


def lesson(title, words):
    return f'"""\n# {title}\n\n{words}\n"""\n\n# Some words about x.\nx = 1\n\n\n# And about f.\ndef f():\n    return x\n'


def run_build(project, capsys, site="site", cache="cache", *options):
    """The build's command line on the project: (exit status, stdout, stderr)."""
    status = build_docs.main(["--no-run", "--source", str(project / "source"), "--site-dir", str(project / site),
                              "--config", str(project / "mkdocs.yml"), "--cache-dir", str(project / cache),
                              *options])
    out, err = capsys.readouterr()
    return status, out, err


def build_project(project, capsys, site="site", cache="cache", *options):
    status, out, err = run_build(project, capsys, site, cache, *options)
    assert status == 0, err
    return out


def clean_build(project, capsys):
    """The same sources built from nothing: no cache, no previous site."""
    build_project(project, capsys, site="clean-site", cache="clean-cache")
    return snapshot(project / "clean-site")


def code_facts(texts):
    """What the test stage needs of each source read, as the build's parse finds it: {source: CodeFacts}."""
    return {source: literate.parse.parse_code(read.code).facts for source, read in texts.items()}


class Counted:
    """Wraps literate.render.render_page where literate.pages looks it up, counting the pages rendered.
    One core: every page is then rendered in this process, where the count is kept."""

    def __init__(self, monkeypatch):
        self.names, self.render_page = [], literate.render.render_page
        monkeypatch.setattr(literate.pages, "render_page", self)
        monkeypatch.setattr(literate.pages.os, "cpu_count", lambda: 1)

    def __call__(self, page, text, *rest):
        self.names.append(page.name)
        return self.render_page(page, text, *rest)


def wait_until(condition, timeout, pump=None, interval=0.02):
    """Whether `condition()` came true within `timeout` seconds, asked every
    `interval` seconds; `pump()`, where given, lets the condition's events in
    (Playwright delivers a page's events during its calls)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        if pump:
            pump()
        time.sleep(interval)
    return True


# ## The browser
#
# Chromium is Debian's (`/usr/bin/chromium`): Playwright's own browser
# download does not work offline. Its flags keep it off the network it
# would otherwise reach for at start.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-quic", "--no-first-run", "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# The four views pages are checked in: (colour scheme, screen).
VIEWS = {
    "light-desktop": ("light", DESKTOP), "light-phone": ("light", PHONE),
    "dark-desktop": ("dark", DESKTOP), "dark-phone": ("dark", PHONE),
}
FIRST_VIEW = "light-desktop"
# Each view checks every tutorial and every page of the site's own. The
# generator's pages are most of the site's pages and its longest, and are
# made by the same templates from sections of the same kinds; so in the
# three views that change only the style sheet's colours and widths (all
# but the first), one of each kind stands for the rest: a module with
# code, the command, a guide page of prose and examples, and the generated
# table of settings. They have no Chinese version: under `/zh/` each is the
# same notice, made by the same code, and the Chinese of those four stands
# for the rest in every view.
GENERATOR_PAGES_IN_EVERY_VIEW = ("/literate/highlight/", "/build_docs/", "/guide/source_format/",
                                 "/guide/configuration/")


def view_paths(view):
    """The pages checked in `view`, in the order of PATHS."""
    chosen = {*GENERATOR_PAGES_IN_EVERY_VIEW, *("/zh" + path for path in GENERATOR_PAGES_IN_EVERY_VIEW)}

    def checked(path):
        if not is_generator_page(path) or path in chosen:
            return True
        return view == FIRST_VIEW and not path.startswith("/zh/")

    return [path for path in PATHS if checked(path)]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


# A page closed while a file is on its way drops the connection; that is the
# browser's choice, not a fault of the site.
class LocalServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def served(site):
    """A built site served on 127.0.0.1 by a thread of this process: its base URL."""
    server = LocalServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def chromium():
    """Debian's Chromium, launched through Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


# Everything the browser does during a visit is recorded. Requests that
# leave 127.0.0.1 are also aborted, so that no test depends on (or waits
# for) the network, and each shows up as a failed request as well. The
# address is matched by Playwright itself: the site's own requests go on
# without a round trip through this process.
FOREIGN = re.compile(r"^(?![a-z][a-z0-9+.-]*://127\.0\.0\.1(?:[:/?#]|$))", re.IGNORECASE)


class Traffic:
    def __init__(self, context):
        self.foreign, self.errors, self.pending = [], [], set()
        context.route(FOREIGN, lambda route: route.abort())

    def watch(self, page):
        page.on("request", self.request)
        page.on("requestfinished", lambda request: self.pending.discard(request))
        page.on("requestfailed", lambda request: self.pending.discard(request))
        page.on("console", lambda message: message.type == "error" and self.errors.append(
            f"console error on {page.url}: {message.text}"))
        page.on("pageerror", lambda error: self.errors.append(f"script error on {page.url}: {error}"))
        page.on("requestfailed", self.failed)
        page.on("response", lambda response: response.status >= 400 and self.errors.append(
            f"HTTP {response.status} for {response.url}"))

    def request(self, request):
        self.pending.add(request)
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname != "127.0.0.1":
            self.foreign.append(request.url)

    # A request the browser itself called off (net::ERR_ABORTED) did not
    # fail: Chromium asks for the favicon again when a permalink moves the
    # page, and drops the request before if it is still going. A file that
    # is missing answers 404, and a server that is gone refuses, and both
    # are recorded.
    def failed(self, request):
        if request.failure != "net::ERR_ABORTED":
            self.errors.append(f"failed request {request.url}: {request.failure}")

    def settle(self, page, timeout=30):
        """Waits until every request made so far has finished or failed: the
        browser requests some things (the favicon) after the page's load,
        and leaving the page would cut them off."""
        if not wait_until(lambda: not self.pending, timeout, pump=lambda: page.evaluate("() => 0")):
            self.errors.append(f"still loading after {timeout} s: {sorted(r.url for r in self.pending)}")

    def take(self):
        """What was recorded since the last call, and forget it."""
        taken = self.foreign, self.errors
        self.foreign, self.errors = [], []
        return taken


class Visitor:
    """One browser context (a fresh profile) at one screen size."""

    def __init__(self, browser, viewport, **options):
        mobile = viewport["width"] < 600
        self.context = browser.new_context(
            viewport=viewport, is_mobile=mobile, has_touch=mobile, **options)
        self.traffic = Traffic(self.context)
        self.tab = None

    def go(self, url):
        """The visitor's one tab, gone to `url`: one visit after another in
        the same tab spares the browser a new page each time."""
        if self.tab is None:
            self.tab = self.context.new_page()
            self.traffic.watch(self.tab)
        self.tab.goto(url)
        return self.tab

    def open(self, url, wait_until="load"):
        page = self.context.new_page()
        self.traffic.watch(page)
        page.goto(url, wait_until=wait_until)
        return page

    def close(self):
        self.context.close()


def site_pages(site_dir):
    """Every HTML page of a built site: (its path on the server, its HTML)."""
    pages = []
    for path in sorted(Path(site_dir).rglob("*.html")):
        relative = path.relative_to(site_dir).as_posix()
        url = relative[: -len("index.html")] if path.name == "index.html" else relative
        pages.append(("/" + url, path.read_text(encoding="utf-8")))
    return pages


def report(problems):
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems[:40])
