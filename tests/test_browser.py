"""The built site in a real browser: headless Chromium driven by Playwright.

Every check reads what the browser rendered (boxes, computed colours, the
clipboard), not the HTML text. The site is built once, served on
127.0.0.1 by a thread of this process, and visited by one browser for the
whole session. Tutorial pages are found in the built site (every page with
a `lp-page` block), so the checks follow the site's structure wherever
pages live.

Chromium is Debian's (`/usr/bin/chromium`): Playwright's own browser
download does not work here. In CI (`CI` set) a missing Chromium fails
these tests; elsewhere they are skipped with the reason.

Each test writes what it saw into the run's temporary folder, never the
checkout (`screenshots/` under pytest's `--basetemp`, by default
`/tmp/pytest-of-$USER/pytest-current/`): a full-page screenshot of every
tutorial page at desktop and phone size, and in the dark scheme.
"""

import collections
import functools
import http.server
import json
import re
import sys
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import pytest
import yaml

import build_docs
import literate.textfirst
import literate.parse
import literate.site
import literate.commentary
from needs import unavailable
from site_html import shown_code, source_formulas, squeeze

ROOT = Path(build_docs.__file__).resolve().parent
CONFIG = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-quic", "--no-first-run", "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
MIN_CONTRAST = 4.5
# Rows and code blocks of each of the generator's pages that the permalink
# and copy checks click; together they have hundreds of each.
GENERATOR_SAMPLE = 4


# ## The site, its server and the browser

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def built_site(real_site):
    return real_site


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


@pytest.fixture(scope="module")
def base_url(built_site):
    handler = functools.partial(QuietHandler, directory=str(built_site))
    server = LocalServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is missing: pip install -r requirements.txt")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# Everything the browser does during a visit is recorded. Requests that
# leave 127.0.0.1 are also aborted, so that no test depends on (or waits
# for) the network, and each shows up as a failed request as well.
class Traffic:
    def __init__(self, context):
        self.foreign, self.errors = [], []
        context.route("**/*", self.route)

    def route(self, route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            route.abort()

    def watch(self, page):
        page.on("request", self.request)
        page.on("console", lambda message: message.type == "error" and self.errors.append(
            f"console error on {page.url}: {message.text}"))
        page.on("pageerror", lambda error: self.errors.append(f"script error on {page.url}: {error}"))
        page.on("requestfailed", lambda request: self.errors.append(
            f"failed request {request.url}: {request.failure}"))
        page.on("response", lambda response: response.status >= 400 and self.errors.append(
            f"HTTP {response.status} for {response.url}"))

    def request(self, request):
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname != "127.0.0.1":
            self.foreign.append(request.url)


class Visitor:
    """One browser context (a fresh profile) at one screen size."""

    def __init__(self, browser, viewport, **options):
        mobile = viewport["width"] < 600
        self.context = browser.new_context(
            viewport=viewport, is_mobile=mobile, has_touch=mobile, **options)
        self.traffic = Traffic(self.context)

    def open(self, url, wait_until="load"):
        page = self.context.new_page()
        self.traffic.watch(page)
        page.goto(url, wait_until=wait_until)
        return page

    def close(self):
        self.context.close()


@pytest.fixture
def visitors(browser):
    opened = []

    def visit(viewport, **options):
        opened.append(Visitor(browser, viewport, **options))
        return opened[-1]

    yield visit
    for visitor in opened:
        visitor.close()


# ## The tutorial pages, found in the built site
#
# A page's source file is found by its code column: the file whose lines
# are exactly the page's numbered code lines. That ties each page to a file
# without trusting the page's own "View code on GitHub" link, which is one
# of the things under test.
@dataclass
class Tutorial:
    url: str
    slug: str  # a file name for its screenshots
    lang: str
    source: Path
    code: dict  # line number -> text, as the browser shows it

    @property
    def source_lines(self):
        return literate.parse.split_lines(shown_code(self.source))

    def sample(self, items):
        """All of a tutorial's rows or blocks; of the generator's own pages,
        together far longer than the tutorials and built from the same
        templates, an evenly spread sample with the last."""
        if self.source.is_relative_to(ROOT / "source") or len(items) <= 2 * GENERATOR_SAMPLE:
            return items
        step = len(items) / GENERATOR_SAMPLE
        return [items[round(i * step)] for i in range(GENERATOR_SAMPLE)] + [items[-1]]


def page_urls(site_dir):
    urls = []
    for path in sorted(site_dir.rglob("*.html")):
        relative = path.relative_to(site_dir).as_posix()
        url = relative[: -len("index.html")] if path.name == "index.html" else relative
        urls.append(("/" + url, path.read_text(encoding="utf-8")))
    return urls


def candidate_sources():
    sources = ROOT / "source"
    return sorted([*sources.rglob("*.py"), *sources.rglob("*" + literate.textfirst.LITERATE_SUFFIX)]) + [
        ROOT / "build_docs.py", *sorted((ROOT / "literate").glob("*.py"))]


# A translation may keep its code on the same lines as the original: the
# page's language then tells them apart (`x_zh.py` is the Chinese page).
def source_of(code, lang):
    matches = []
    for path in candidate_sources():
        if literate.site.page_name(path).endswith("_zh") != (lang == "zh"):
            continue
        lines = literate.parse.split_lines(shown_code(path))
        if all(0 < n <= len(lines) and lines[n - 1] == text for n, text in code.items()):
            matches.append(path)
    assert len(matches) == 1, f"code column matches {len(matches)} source files: {matches}"
    return matches[0]


CODE_LINES_JS = """() => Object.fromEntries([...document.querySelectorAll('.lp-line')]
    .map(line => [line.dataset.ln, line.textContent]))"""


@pytest.fixture(scope="module")
def tutorials(browser, built_site, base_url):
    found = []
    visitor = Visitor(browser, DESKTOP)
    for path, text in page_urls(built_site):
        if 'class="lp-page"' not in text:
            continue
        page = visitor.open(base_url + path)
        code = {int(n): line for n, line in page.evaluate(CODE_LINES_JS).items()}
        lang = page.evaluate("() => document.querySelector('.lp-page').lang")
        slug = path.strip("/").replace("/", "_") or "index"
        found.append(Tutorial(base_url + path, slug, lang, source_of(code, lang), code))
        page.close()
    visitor.close()
    expected = {source for source in candidate_sources() if not source.name.startswith("__init__")}
    assert {tutorial.source for tutorial in found} == expected, "tutorial pages missing from the built site"
    return found


# Screenshots and axe's findings: in `screenshots/` under pytest's temporary
# folder, never in the checkout.
@pytest.fixture(scope="session")
def artifacts(tmp_path_factory):
    return tmp_path_factory.mktemp("screenshots", numbered=False)


@pytest.fixture(scope="module")
def screenshot(artifacts):
    def take(page, name):
        page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True, timeout=120_000)  # a loaded machine
    return take


def report(problems):
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems[:40])


# ## 1, 2. Layout at desktop and phone sizes
#
# For each section: the boxes of its commentary and its code, where their
# first content starts (the commentary's first block, the code's
# highlighted block), and every code line that the browser broke into more
# than one line box.
LAYOUT_JS = """() => {
  const box = element => {
    const r = element.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width};
  };
  const root = document.documentElement;
  const sections = [...document.querySelectorAll('.lp-section')].map(section => {
    const docs = section.querySelector(':scope > .lp-docs');
    const code = section.querySelector(':scope > .lp-code');
    const firstDocs = [...docs.children].find(child => !child.matches('.lp-anchor'));
    const block = code.querySelector('pre');
    return {
      id: section.id, docs: box(docs), code: box(code),
      docsTop: box(firstDocs || docs).top, codeTop: block ? box(block).top : null,
      hasCode: Boolean(block), hasDocs: Boolean(firstDocs),
    };
  });
  const wrapped = [...document.querySelectorAll('.lp-line')]
    .filter(line => line.getClientRects().length > 1).map(line => line.dataset.ln);
  const scrollers = [...document.querySelectorAll('.lp-code pre > code')]
    .filter(code => code.scrollWidth > code.clientWidth + 1)
    .map(code => getComputedStyle(code).overflowX);
  return {sections, wrapped, scrollers, scrollWidth: root.scrollWidth, clientWidth: root.clientWidth};
}"""


def page_scroll_problems(tutorial, layout):
    problems = []
    if layout["scrollWidth"] > layout["clientWidth"]:
        problems.append(f"{tutorial.url}: the page scrolls sideways "
                        f"({layout['scrollWidth']} px of content in {layout['clientWidth']} px)")
    if layout["wrapped"]:
        problems.append(f"{tutorial.url}: code lines wrap: {', '.join(layout['wrapped'][:10])}")
    for section in layout["sections"]:
        for part in ("docs", "code"):
            if section[part]["right"] > layout["clientWidth"] + 0.5:
                problems.append(f"{tutorial.url}#{section['id']}: its {part} box ends at "
                                f"{section[part]['right']:.0f} px, past the screen")
    return problems


def test_desktop_commentary_beside_its_code(tutorials, visitors, screenshot):
    visitor = visitors(DESKTOP)
    problems = []
    for tutorial in tutorials:
        page = visitor.open(tutorial.url)
        layout = page.evaluate(LAYOUT_JS)
        screenshot(page, f"{tutorial.slug}-desktop")
        problems += page_scroll_problems(tutorial, layout)
        for section in layout["sections"]:
            where = f"{tutorial.url}#{section['id']}"
            if section["docs"]["right"] > section["code"]["left"] + 0.5:
                problems.append(f"{where}: commentary (right edge {section['docs']['right']:.0f}) "
                                f"is not left of its code (left edge {section['code']['left']:.0f})")
            if section["hasCode"] and abs(section["docsTop"] - section["codeTop"]) > 4:
                problems.append(f"{where}: commentary starts at {section['docsTop']:.0f} px, "
                                f"its code at {section['codeTop']:.0f} px")
        page.close()
    report(problems)


def test_phone_commentary_above_its_code(tutorials, visitors, screenshot):
    visitor = visitors(PHONE)
    problems = []
    for tutorial in tutorials:
        page = visitor.open(tutorial.url)
        layout = page.evaluate(LAYOUT_JS)
        screenshot(page, f"{tutorial.slug}-phone")
        problems += page_scroll_problems(tutorial, layout)
        for section in layout["sections"]:
            where = f"{tutorial.url}#{section['id']}"
            docs, code = section["docs"], section["code"]
            if section["hasCode"] and docs["bottom"] > code["top"] + 0.5:
                problems.append(f"{where}: commentary ends at {docs['bottom']:.0f} px, "
                                f"below the top of its code at {code['top']:.0f} px")
            if abs(docs["left"] - code["left"]) > 1 or abs(docs["width"] - code["width"]) > 1:
                problems.append(f"{where}: commentary and code are not one column "
                                f"({docs['left']:.0f}+{docs['width']:.0f} vs {code['left']:.0f}+{code['width']:.0f})")
        # Lines longer than a phone is wide exist on every page; they must
        # scroll inside their own box.
        if not layout["scrollers"]:
            problems.append(f"{tutorial.url}: no code box is wider than its content on a phone")
        for overflow in layout["scrollers"]:
            if overflow not in ("auto", "scroll"):
                problems.append(f"{tutorial.url}: a long code block has overflow-x {overflow}")
        page.close()
    report(problems)


# ## 3. Math
#
# The formulas of a source are read from its commentary (with code spans
# taken out: `$x$` in backticks is code, not math). Each must be on the page
# as a math element with a size, and no TeX may be left in the text a
# reader sees outside code.
MATH_JS = """() => {
  const maths = [...document.querySelectorAll('.lp-page math')].map(math => {
    const r = math.getBoundingClientRect();
    const tex = math.querySelector('annotation[encoding="application/x-tex"]');
    return {tex: tex ? tex.textContent : null, width: r.width, height: r.height};
  });
  const errors = document.querySelectorAll('.lp-math-error').length;
  for (const code of document.querySelectorAll('.lp-page code, .lp-code')) code.remove();
  return {maths, errors, text: document.body.innerText};
}"""


def test_every_formula_is_rendered_and_no_tex_is_visible(tutorials, visitors):
    visitor = visitors(DESKTOP)
    problems, total = [], 0
    for tutorial in tutorials:
        page = visitor.open(tutorial.url)
        seen = page.evaluate(MATH_JS)
        page.close()
        drawn = collections.Counter(squeeze(m["tex"]) for m in seen["maths"]
                                    if m["tex"] and m["width"] > 0 and m["height"] > 0)
        for formula, count in source_formulas(tutorial.source).items():
            total += count
            if drawn[formula] < count:
                problems.append(f"{tutorial.url}: ${formula}$ appears {count} time(s) in "
                                f"{tutorial.source.name}, drawn {drawn[formula]} time(s)")
        for math in seen["maths"]:
            if not (math["width"] > 0 and math["height"] > 0):
                problems.append(f"{tutorial.url}: formula {math['tex']!r} has no size")
        if seen["errors"]:
            problems.append(f"{tutorial.url}: {seen['errors']} formula(s) shown as errors")
        for raw in sorted(set(re.findall(r"\$\$|\\[A-Za-z]+|\\[()\[\]]", seen["text"]))):
            problems.append(f"{tutorial.url}: raw TeX {raw!r} is visible in the text")
    assert total > 0, "no source has a formula: the check would prove nothing"
    report(problems)


# The formulas are drawn in the math font served with the site; a page
# without math does not even fetch it.
FONT_JS = """async () => {
  await document.fonts.ready;
  const math = document.querySelector('.lp-page math');
  return {
    family: math ? getComputedStyle(math).fontFamily : null,
    loaded: [...document.fonts].filter(f => f.status === 'loaded').map(f => f.family.replace(/"/g, '')),
    fetched: performance.getEntriesByType('resource').map(e => e.name).filter(n => /\\.(ttf|otf|woff2?)$/.test(n)),
  };
}"""


def test_math_is_drawn_in_the_served_math_font_only_on_pages_with_math(tutorials, base_url, visitors):
    with_math = [tutorial for tutorial in tutorials if source_formulas(tutorial.source)]
    assert with_math, "no page has a formula: the check would prove nothing"
    problems = []
    for tutorial in with_math:
        page = visitors(DESKTOP).open(tutorial.url, wait_until="networkidle")
        seen = page.evaluate(FONT_JS)
        page.close()
        if not (seen["family"] or "").startswith('"LP STIX Two Math"') or "LP STIX Two Math" not in seen["loaded"]:
            problems.append(f"{tutorial.url}: math in {seen['family']!r}, fonts loaded {seen['loaded']}")
        if not any(url.startswith(base_url) and url.endswith("/assets/fonts/STIXTwoMath-Regular.ttf")
                   for url in seen["fetched"]):
            problems.append(f"{tutorial.url}: the math font came from {seen['fetched']}")
    page = visitors(DESKTOP).open(base_url + "/test-results/", wait_until="networkidle")
    seen = page.evaluate(FONT_JS)
    if seen["fetched"] or "LP STIX Two Math" in seen["loaded"]:
        problems.append(f"/test-results/ has no math but fetched {seen['fetched']}")
    report(problems)


# ## 4. Offline
#
# A whole visit at both sizes: load, scroll to the end, open the search and
# run a query (which loads the search worker and its index), then wait
# until the network has been idle for half a second: what the scroll and
# the search fetched is in by then.
def test_offline_no_request_leaves_the_machine_and_nothing_fails(tutorials, base_url, visitors):
    problems = []
    for viewport in (DESKTOP, PHONE):
        visitor = visitors(viewport)
        for url in [base_url + "/"] + [tutorial.url for tutorial in tutorials]:
            page = visitor.open(url)
            page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
            search(page, "autograd")
            page.wait_for_load_state("networkidle")
            page.close()
        problems += [f"request off the machine ({viewport['width']} px): {url}"
                     for url in visitor.traffic.foreign]
        problems += [f"{error} ({viewport['width']} px)" for error in visitor.traffic.errors]
    report(problems)


# Playwright enters characters that have no key (Chinese) as inserted text,
# with no key events; Material reads the box on key release, as an input
# method's last key gives it. So the query is inserted, then a key released.
# The results come once the search worker has loaded its index, which may
# be after the query was typed ("Initializing search" until then).
def search(page, query):
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError  # imported where a page exists

    toggle = page.locator("label[for=__search]").first
    if toggle.is_visible():
        toggle.click()
    page.locator(".md-search__input").click()
    page.keyboard.insert_text(query)
    page.keyboard.press("End")
    results = page.locator(".md-search-result__item a")
    try:
        results.first.wait_for(timeout=30_000)
    except PlaywrightTimeoutError:
        pytest.fail(f"searching {query!r} on {page.url} finds nothing in 30 s: "
                    f"{page.locator('.md-search-result__meta').inner_text()!r}")
    return results.first


# ## 5. Search
#
# A reader searches from a page in their language: the page that teaches
# the word is among the results (several chapters use it, so which comes
# first is the search's ranking), every result is in that language, and the
# first opens a page in it.
@pytest.mark.parametrize("query, lang, expected", [("反向传播", "zh", "/zh/autograd/autograd/"),
                                                   ("backward", "en", "/autograd/autograd/")])
def test_search_finds_the_page_in_the_query_language(tutorials, visitors, query, lang, expected):
    start = next((t for t in tutorials if t.lang == lang), None)
    assert start, f"no tutorial page in {lang}"
    page = visitors(DESKTOP).open(start.url)
    found = search(page, query)
    hits = [urlsplit(href).path for href in
            page.locator(".md-search-result__item a").evaluate_all("links => links.map(a => a.href)")]
    assert expected in hits, f"the results for {query!r} leave out {expected}: {hits}"
    other = [hit for hit in hits if hit.startswith("/zh/") != (lang == "zh")]
    assert not other, f"results for {query!r} in another language than {lang}: {other}"
    found.click()
    page.wait_for_load_state()
    shown = page.evaluate("() => { const p = document.querySelector('.lp-page'); return p && p.lang }")
    assert shown == lang, f"the first result for {query!r} opens {page.url}, a page in {shown!r}"


# ## 6. Links
#
# Every link of every page: a link inside the site must reach a page that
# exists (HTTP 200) and, with a fragment, an element of that id on it.
# Links off the site cannot be followed offline; those the configuration
# defines are compared with it: "View code on GitHub" must be `repo_url` +
# `/blob/<branch>/` + the page's source path, the header links those of
# mkdocs.yml, the mail link the contact address.
LINKS_JS = """() => [...document.querySelectorAll('a[href]')].map(a => ({
  href: a.href, text: a.textContent.trim()}))"""
IDS_JS = "() => [...document.querySelectorAll('[id], a[name]')].map(e => e.id || e.name)"


def github_link(source):
    path = source.relative_to(ROOT).as_posix()
    return f"{CONFIG['repo_url'].rstrip('/')}/blob/{CONFIG['extra']['repo_branch']}/{path}"


def test_every_link_resolves(built_site, base_url, tutorials, visitors):
    visitor = visitors(DESKTOP)
    ids, problems, checked = {}, [], 0

    def ids_on(url):
        if url not in ids:
            page = visitor.open(url)
            ids[url] = set(page.evaluate(IDS_JS))
            page.close()
        return ids[url]

    configured = {link["url"] for link in CONFIG["extra"]["header_links"]} | {CONFIG["repo_url"]}
    tutorial_at = {tutorial.url: tutorial for tutorial in tutorials}
    statuses = {}
    for path, _ in page_urls(built_site):
        page = visitor.open(base_url + path)
        links = page.evaluate(LINKS_JS)
        page.close()
        tutorial = tutorial_at.get(base_url + path)
        if tutorial:
            problems += configured_link_problems(tutorial, links, configured)
        for link in links:
            href, where = link["href"], f"{base_url + path}: link {link['text']!r} to {link['href']}"
            checked += 1
            target, fragment = urldefrag(href)
            if target.startswith(base_url):
                if target not in statuses:
                    statuses[target] = visitor.context.request.get(target).status
                if statuses[target] != 200:
                    problems.append(f"{where}: HTTP {statuses[target]}")
                elif fragment and unquote(fragment) not in ids_on(target):
                    problems.append(f"{where}: no element #{unquote(fragment)} there")
            elif href.startswith("mailto:"):
                if href != f"mailto:{CONFIG['extra']['contact_email']}":
                    problems.append(f"{where}: not the contact address of mkdocs.yml")
            elif not re.match(r"https://[^/\s]+\.[a-z]+(/\S*)?$", href):
                problems.append(f"{where}: not a well-formed https address")
    assert checked > 20 and len(ids) >= len(tutorials)
    report(problems)


def configured_link_problems(tutorial, links, configured):
    problems = []
    sources = [link["href"] for link in links if link["text"] == "View code on GitHub"]
    if sources != [github_link(tutorial.source)]:
        problems.append(f"{tutorial.url}: 'View code on GitHub' goes to {sources}, "
                        f"expected {github_link(tutorial.source)}")
    missing = configured - {link["href"] for link in links}
    if missing:
        problems.append(f"{tutorial.url}: header links of mkdocs.yml missing: {sorted(missing)}")
    return problems


# The permalink of a row is clicked as a reader would (the pointer on the
# row shows it); the row must then be in view, below the header, and at its scroll
# margin unless the page is already scrolled to its end.
PERMALINK_JS = """async (id) => {
  const settle = () => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  let last;
  do { last = scrollY; await settle(); } while (scrollY !== last);
  const row = document.getElementById(id);
  const top = row.getBoundingClientRect().top;
  return {
    hash: location.hash, top,
    margin: parseFloat(getComputedStyle(row).scrollMarginTop),
    header: document.querySelector('.md-header').getBoundingClientRect().bottom,
    atEnd: scrollY + innerHeight >= document.documentElement.scrollHeight - 1,
    height: innerHeight,
  };
}"""


def test_section_permalinks_scroll_to_their_row(tutorials, visitors):
    visitor = visitors(DESKTOP)
    problems, clicked = [], 0
    for tutorial in tutorials:
        page = visitor.open(tutorial.url)
        rows = page.evaluate("""() => [...document.querySelectorAll('.lp-section')].map(row => {
            const anchor = row.querySelector(':scope > .lp-docs > a.lp-anchor');
            return [row.id, anchor && anchor.getAttribute('href')]; })""")
        for row_id, href in tutorial.sample(rows):
            if href != f"#{row_id}":
                problems.append(f"{tutorial.url}: the permalink of #{row_id} is {href!r}")
                continue
            page.locator(f"#{row_id} > .lp-docs > a.lp-anchor").click()
            clicked += 1
            seen = page.evaluate(PERMALINK_JS, row_id)
            where = f"{tutorial.url}#{row_id}"
            if seen["hash"] != f"#{row_id}":
                problems.append(f"{where}: the address shows {seen['hash']!r}")
            if not seen["header"] - 0.5 <= seen["top"] < seen["height"]:
                problems.append(f"{where}: the row is at {seen['top']:.0f} px, out of view "
                                f"(header ends at {seen['header']:.0f} px)")
            elif not seen["atEnd"] and abs(seen["top"] - seen["margin"]) > 2:
                problems.append(f"{where}: the row is at {seen['top']:.0f} px, "
                                f"not at its scroll margin {seen['margin']:.0f} px")
        page.close()
    assert clicked > 20
    report(problems)


# ## 7. Code copy
#
# Each code block's copy button must put on the clipboard exactly the
# source lines the block shows: no line numbers, nothing added or lost.
# Material trims the end of what it copies, so the blank lines that close a
# section are not copied; every other character is.
# The copy button writes to the clipboard asynchronously: on a busy machine
# the text arrives a moment after the click.
def copied_text(page, seconds=10):
    deadline = time.monotonic() + seconds
    while True:
        clipboard = page.evaluate("() => navigator.clipboard.readText()")
        if clipboard != "(nothing copied)" or time.monotonic() > deadline:
            return clipboard
        page.wait_for_timeout(50)


def clipboard_visitor(visitors, base_url):
    visitor = visitors(DESKTOP)
    visitor.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    return visitor


def block_source(block, lines):
    """The source line numbers a code block shows, and the text its copy
    button must give: those lines of the source, verbatim."""
    numbers = [int(n) for n in block.evaluate(
        "pre => [...pre.querySelectorAll('.lp-line')].map(line => line.dataset.ln)")]
    return numbers, "\n".join(lines[n - 1] for n in numbers).rstrip()


def test_copy_button_copies_the_blocks_source_lines(tutorials, base_url, visitors):
    visitor = clipboard_visitor(visitors, base_url)
    problems, copied = [], 0
    for tutorial in tutorials:
        lines = tutorial.source_lines
        page = visitor.open(tutorial.url)
        for block in tutorial.sample(page.locator(".lp-code pre").all()):
            numbers, expected = block_source(block, lines)
            page.evaluate("() => navigator.clipboard.writeText('(nothing copied)')")
            block.locator("button[data-md-type=copy]").click()
            clipboard = copied_text(page)
            copied += 1
            if clipboard != expected:
                problems.append(f"{tutorial.url}: the block of lines {numbers[0]}-{numbers[-1]} "
                                f"copied {clipboard!r}, expected {expected!r}")
        page.close()
    assert copied > 10
    report(problems)


# Material's "Copied to clipboard" notice shows for two seconds at the bottom
# right, where the code column's copy buttons are. One block is scrolled so
# that its button sits under the notice, and the mouse clicks it there.
NOTICE_SETTLED_JS = """() => {
  const notice = document.querySelector('.md-dialog--active');
  return notice !== null && notice.getAnimations().length === 0;
}"""


def test_a_copy_button_under_the_copied_notice_still_copies(tutorials, base_url, visitors):
    visitor = clipboard_visitor(visitors, base_url)
    tutorial = next(t for t in tutorials if t.source.is_relative_to(ROOT / "source"))
    page = visitor.open(tutorial.url)
    blocks = page.locator(".lp-code pre").all()
    assert len(blocks) > 4, f"{tutorial.url}: too few code blocks to scroll one under the notice"
    blocks[0].locator("button[data-md-type=copy]").click()
    page.wait_for_function(NOTICE_SETTLED_JS)
    notice = page.locator(".md-dialog").bounding_box()

    block = blocks[len(blocks) // 2]
    button = block.locator("button[data-md-type=copy]")
    box = button.bounding_box()
    page.evaluate("dy => window.scrollBy({top: dy, behavior: 'instant'})",
                  box["y"] + box["height"] / 2 - (notice["y"] + notice["height"] / 2))
    box = button.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    assert (notice["x"] < x < notice["x"] + notice["width"]
            and notice["y"] < y < notice["y"] + notice["height"]), \
        f"{tutorial.url}: the button at ({x}, {y}) is not under the notice {notice}"
    assert page.evaluate(NOTICE_SETTLED_JS), "the notice went before the click"

    _, expected = block_source(block, tutorial.source_lines)
    page.evaluate("() => navigator.clipboard.writeText('(nothing copied)')")
    page.mouse.click(x, y)
    assert copied_text(page, seconds=3) == expected


# ## 8. Dark mode
#
# Contrast is computed from the colours the browser rendered: each element
# that holds text, its colour against the backgrounds behind it (composited
# down to the page), opacity included. Line numbers, drawn by `::before`,
# are text too. The colours are measured as axe-core measures them, so that
# the two agree: a computed `rgb()`/`rgba()` is read with its alpha exact
# (through a canvas, 0.54 became 138/255 = 0.541, and grey text at 4.47:1
# passed as 4.52:1), and each blend is rounded to whole 8-bit channels, as
# on the screen. Other colour syntaxes are read through a canvas.
CONTRAST_JS = """(selector) => {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 1;
  const pen = canvas.getContext('2d', {willReadFrequently: true});
  const colors = new Map();
  const rgba = color => {
    if (!colors.has(color)) {
      const parts = color.match(/^rgba?\\(([\\d.]+), ([\\d.]+), ([\\d.]+)(?:, ([\\d.]+))?\\)$/);
      if (parts) {
        colors.set(color, [+parts[1], +parts[2], +parts[3], parts[4] === undefined ? 1 : +parts[4]]);
      } else {
        pen.clearRect(0, 0, 1, 1);
        pen.fillStyle = '#000';
        pen.fillStyle = color;
        pen.fillRect(0, 0, 1, 1);
        const [r, g, b, a] = pen.getImageData(0, 0, 1, 1).data;
        colors.set(color, [r, g, b, a / 255]);
      }
    }
    return colors.get(color);
  };
  const over = (top, bottom) => {
    const a = top[3] + bottom[3] * (1 - top[3]);
    if (a === 0) return [0, 0, 0, 0];
    return [0, 1, 2].map(i => Math.round((top[i] * top[3] + bottom[i] * bottom[3] * (1 - top[3])) / a)).concat(a);
  };
  const backgrounds = new Map(), opacities = new Map();
  const background = element => {
    if (!element) return [255, 255, 255, 1];
    if (!backgrounds.has(element)) {
      const own = rgba(getComputedStyle(element).backgroundColor);
      backgrounds.set(element, own[3] >= 0.999 ? own : over(own, background(element.parentElement)));
    }
    return backgrounds.get(element);
  };
  const opacity = element => {
    if (!element) return 1;
    if (!opacities.has(element)) {
      opacities.set(element, parseFloat(getComputedStyle(element).opacity) * opacity(element.parentElement));
    }
    return opacities.get(element);
  };
  const luminance = ([r, g, b]) => {
    const c = [r, g, b].map(v => v / 255).map(v => v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const ratio = (fg, bg) => {
    const [a, b] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
    return (a + 0.05) / (b + 0.05);
  };
  const measure = (element, color, text) => {
    const alpha = opacity(element);
    if (alpha === 0) return null;
    const bg = background(element);
    const fg = rgba(color);
    const seen = over([fg[0], fg[1], fg[2], fg[3] * alpha], bg);
    return {text: text.trim().slice(0, 40), tag: element.tagName.toLowerCase(),
            cls: element.className && element.className.baseVal === undefined ? element.className : '',
            ratio: ratio(seen, bg), fg: seen.slice(0, 3).map(Math.round), bg: bg.slice(0, 3).map(Math.round)};
  };
  const results = [];
  for (const element of document.querySelectorAll(selector)) {
    const own = [...element.childNodes].filter(n => n.nodeType === 3).map(n => n.data).join('');
    const style = getComputedStyle(element);
    if (own.trim() && style.visibility !== 'hidden' && element.getClientRects().length) {
      results.push(measure(element, style.color, own));
    }
    if (element.matches('.lp-line')) {
      const before = getComputedStyle(element, '::before');
      results.push(measure(element, before.color, 'line ' + element.dataset.ln));
    }
  }
  const body = rgba(getComputedStyle(document.body).backgroundColor);
  return {scheme: document.body.dataset.mdColorScheme, bodyLuminance: luminance(body),
          results: results.filter(Boolean)};
}"""
TEXT_SELECTORS = {
    # the commentary and what else the page says around the code: the tests'
    # status line and marks
    "commentary": ".lp-page, .lp-page :not(.lp-code, .lp-code *)",
    "code": ".lp-code, .lp-code *",
    # the theme around them: header, link bar, sidebars, footer
    "theme": "body :not(.lp-page, .lp-page *)",
}


def contrast_problems(tutorial, page, scheme):
    problems, measured = [], 0
    for part, selector in TEXT_SELECTORS.items():
        seen = page.evaluate(CONTRAST_JS, selector)
        measured += len(seen["results"])
        worst = {}
        for item in seen["results"]:
            if item["ratio"] < MIN_CONTRAST:
                key = (item["tag"], item["cls"], tuple(item["fg"]), tuple(item["bg"]))
                worst.setdefault(key, item)
        for item in worst.values():
            problems.append(
                f"{tutorial.url} ({scheme}) {part}: <{item['tag']} class={item['cls']!r}> "
                f"{item['text']!r} rgb{tuple(item['fg'])} on rgb{tuple(item['bg'])}: "
                f"contrast {item['ratio']:.2f} < {MIN_CONTRAST}")
    assert measured > 50, f"{tutorial.url}: only {measured} text elements measured"
    return problems


def test_dark_mode_toggle_keeps_code_and_commentary_readable(tutorials, visitors, screenshot):
    problems = []
    for tutorial in tutorials:
        # Each page in a fresh profile: Material remembers the chosen scheme.
        page = visitors(DESKTOP, color_scheme="light").open(tutorial.url)
        assert page.evaluate("() => document.body.dataset.mdColorScheme") == "default"
        problems += contrast_problems(tutorial, page, "light")
        page.locator("form[data-md-component=palette] label:visible").click()
        page.wait_for_function("() => document.body.dataset.mdColorScheme === 'slate'")
        body = page.evaluate(CONTRAST_JS, "body")
        assert body["bodyLuminance"] < 0.1, f"{tutorial.url}: the dark scheme's page is not dark"
        problems += contrast_problems(tutorial, page, "dark")
        screenshot(page, f"{tutorial.slug}-desktop-dark")
        page.close()
    report(problems)


# ## 9. Accessibility: axe-core on every page
#
# axe-core (the checker of Lighthouse and most audits, bundled for
# Playwright by axe-playwright-python) runs once on every page of the site
# in each of four views: light and dark schemes, at desktop and phone size.
# A critical or serious violation fails, the theme's as well as ours; the
# moderate and minor ones are reported as warnings, and every view's
# findings are written to `axe-<view>.json` beside the screenshots.
AXE_VIEWS = {
    "light-desktop": ("light", DESKTOP), "light-phone": ("light", PHONE),
    "dark-desktop": ("dark", DESKTOP), "dark-phone": ("dark", PHONE),
}
FAILING_IMPACTS = ("critical", "serious")


@pytest.fixture(scope="session")
def axe():
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        unavailable("the axe-playwright-python package is missing: pip install -r requirements.txt")
    return Axe()


def axe_findings(url, violations):
    return [f"{url}: {violation['impact']} {violation['id']} ({violation['help']}) at "
            + ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
            + (f" and {len(violation['nodes']) - 5} more" if len(violation["nodes"]) > 5 else "")
            for violation in violations]


@pytest.mark.parametrize("view", AXE_VIEWS)
def test_axe_finds_no_serious_violation_on_any_page(built_site, base_url, visitors, axe, artifacts, view):
    scheme, viewport = AXE_VIEWS[view]
    page = visitors(viewport, color_scheme=scheme).open(base_url + "/")
    expected = {"light": "default", "dark": "slate"}[scheme]
    found, failing, reported = {}, [], []
    for path, _ in page_urls(built_site):
        page.goto(base_url + path)
        shown = page.evaluate("() => document.body.dataset.mdColorScheme")
        assert shown == expected, f"{base_url + path}: the {scheme} view shows the {shown!r} scheme"
        violations = axe.run(page).response["violations"]
        found[path] = violations
        failing += axe_findings(base_url + path, [v for v in violations if v["impact"] in FAILING_IMPACTS])
        reported += axe_findings(base_url + path, [v for v in violations if v["impact"] not in FAILING_IMPACTS])
    (artifacts / f"axe-{view}.json").write_text(json.dumps(found, indent=1), encoding="utf-8")
    assert len(found) >= 10, f"axe ran on {len(found)} pages only"
    for finding in reported:
        warnings.warn(f"axe ({view}): {finding}")
    report(failing)


# ## 10. Keyboard
#
# A reader with only a keyboard presses Tab from the top of the page to its
# end. At each stop the focused element's look is recorded (with the
# theme's transitions turned off, so that it is the look they end in); when the walk is over, the same elements
# unfocused must look different: that is the focus ring. The look is that
# of the element, of its labels (Material hides the scheme toggle's radio
# button and draws its ring on the label after it) and of its parent and
# grandparent (the search box shows focus on its form, a frame after the
# focus: each stop waits two frames): outline, shadow, colours, underline. What shows the ring must be on the screen, not
# transparent. The stops must come in the order of the document (the
# reading order: each row's commentary comes before its code), and every
# link a reader can see must be one of them.
LOOK_JS = """
  const shows = element => [element, ...(element.labels || []),
                            ...(element.matches('.md-option') ? [element.nextElementSibling] : [])];
  const around = element => [...shows(element), element.parentElement,
                             element.parentElement && element.parentElement.parentElement].filter(Boolean);
  const look = element => around(element).map(part => {
    const style = getComputedStyle(part);
    return ['outlineStyle', 'outlineWidth', 'outlineColor', 'boxShadow', 'backgroundColor',
            'color', 'textDecorationLine', 'opacity'].map(name => style[name]).join(' ');
  }).join(' / ');
"""
FOCUS_JS = """async () => {""" + LOOK_JS + """
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  window.lpStops = window.lpStops || [];
  window.lpStops.push({element, look: look(element)});
  const onScreen = part => {
    const box = part.getBoundingClientRect();
    let opacity = 1;
    for (let above = part; above; above = above.parentElement) opacity *= parseFloat(getComputedStyle(above).opacity);
    return box.width > 0 && box.height > 0 && opacity > 0 && part.checkVisibility({visibilityProperty: true});
  };
  const all = [...document.querySelectorAll('*')];
  const section = element.closest('.lp-section');
  return {index: all.indexOf(element), tag: element.tagName.toLowerCase(),
          text: (element.textContent || element.getAttribute('aria-label') || '').trim().slice(0, 30),
          href: element.getAttribute('href'), section: section && section.id,
          part: element.closest('.lp-docs') ? 'docs' : element.closest('.lp-code') ? 'code' : null,
          seen: shows(element).some(onScreen)};
}"""
UNFOCUSED_JS = """() => {""" + LOOK_JS + """
  document.activeElement.blur();
  return window.lpStops.map(stop => look(stop.element) !== stop.look);
}"""
NO_TRANSITIONS = "*, ::before, ::after { transition: none !important; animation: none !important; }"
VISIBLE_LINKS_JS = """() => {
  const all = [...document.querySelectorAll('*')];
  return [...document.querySelectorAll('a[href]')]
    .filter(a => a.checkVisibility({visibilityProperty: true}) && a.getClientRects().length)
    .map(a => ({index: all.indexOf(a), href: a.getAttribute('href'), text: a.textContent.trim().slice(0, 30)}));
}"""


def tab_through(page, limit=2000):
    stops, seen = [], set()
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUS_JS)
        if stop is None or stop["index"] in seen:
            break  # past the end of the page: focus left it or came round again
        stops.append(stop)
        seen.add(stop["index"])
    return stops


# The home page and the tutorials of source/: the generator's own pages
# repeat the same kinds of rows many times over, at a cost in time.
def keyboard_pages(base_url, tutorials):
    return [base_url + "/"] + [t.url for t in tutorials if t.source.is_relative_to(ROOT / "source")]


def test_tab_reaches_every_link_in_reading_order_with_a_visible_ring(base_url, tutorials, visitors):
    visitor = visitors(DESKTOP)
    problems, walked = [], 0
    for url in keyboard_pages(base_url, tutorials):
        page = visitor.open(url)
        page.add_style_tag(content=NO_TRANSITIONS)
        links = page.evaluate(VISIBLE_LINKS_JS)
        stops = tab_through(page)
        changed = page.evaluate(UNFOCUSED_JS)
        walked += len(stops)
        for before, after in zip(stops, stops[1:]):
            if after["index"] <= before["index"]:
                problems.append(f"{url}: Tab goes from <{before['tag']}> {before['text']!r} "
                                f"back to <{after['tag']}> {after['text']!r}")
        last_docs, first_code = {}, {}
        for order, stop in enumerate(stops):
            if stop["part"] == "docs":
                last_docs[stop["section"]] = order
            elif stop["part"] == "code":
                first_code.setdefault(stop["section"], order)
        for section, order in first_code.items():
            if last_docs.get(section, -1) > order:
                problems.append(f"{url}#{section}: Tab reaches the code before its commentary")
        reached = {stop["index"] for stop in stops}
        problems += [f"{url}: Tab never reaches the link {link['text']!r} ({link['href']})"
                     for link in links if link["index"] not in reached]
        for stop, ring in zip(stops, changed):
            if not (ring and stop["seen"]):
                problems.append(f"{url}: <{stop['tag']}> {stop['text']!r} shows no focus ring when focused")
        page.close()
    assert walked > 50, f"Tab stopped {walked} times in all"
    report(problems)


def focus_by_tab(page, predicate, what):
    for _ in range(400):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const e = document.activeElement; return Boolean({predicate}); }}"):
            return
    pytest.fail(f"{page.url}: Tab never reaches {what}")


def test_language_switch_works_from_the_keyboard(tutorials, visitors):
    english = next(t for t in tutorials if t.lang == "en" and t.source.is_relative_to(ROOT / "source"))
    page = visitors(DESKTOP).open(english.url)
    focus_by_tab(page, "e.closest('.md-select') && e.matches('a[hreflang=zh]')", "the link to 中文")
    assert page.evaluate("() => document.activeElement.checkVisibility({visibilityProperty: true})"), \
        "the language list stays hidden while its link has focus"
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.documentElement.lang.startsWith('zh')")
    assert page.evaluate("() => document.querySelector('.lp-page').lang") == "zh", page.url


# Typed a key at a time, the query is searched at each key, and each
# answer replaces the list of results, and with it a result that had the
# focus: the first key goes down once the list stops changing.
SETTLED = """([selector, quiet]) => {
    const list = document.querySelector(selector);
    const now = performance.now();
    if (!list || !list.querySelector('a')) return false;
    if (window.lpLastResults !== list.innerHTML) {
        window.lpLastResults = list.innerHTML;
        window.lpResultsSince = now;
    }
    return now - window.lpResultsSince >= quiet;
}"""


def test_search_works_from_the_keyboard(base_url, visitors):
    page = visitors(DESKTOP).open(base_url + "/")
    focus_by_tab(page, "e.matches('.md-search__input')", "the search box")
    page.keyboard.type("backward")
    page.wait_for_function(SETTLED, arg=[".md-search-result__list", 500], polling=50, timeout=30_000)
    page.keyboard.press("ArrowDown")
    target = page.evaluate("() => document.activeElement.matches('.md-search-result__item a') "
                           "&& document.activeElement.href")
    assert target, "ArrowDown does not move to the first search result"
    page.keyboard.press("Enter")
    page.wait_for_url(target)
    page.wait_for_load_state()
    assert page.locator(".lp-page").count() == 1, f"the search result {page.url} is no tutorial"


# ## 11. Formulas for screen readers
#
# Each formula is MathML, which Chromium hands to screen readers as a math
# object with its structure (fractions, scripts) to speak; its `alttext`
# carries the TeX source for readers that cannot speak MathML. The
# accessibility tree, read through the DevTools protocol, must hold one
# unignored math object per formula, each with text inside, and each
# formula's alttext must be its TeX.
def test_every_formula_is_exposed_to_screen_readers(tutorials, visitors):
    visitor = visitors(DESKTOP)
    problems, total = [], 0
    for tutorial in tutorials:
        page = visitor.open(tutorial.url)
        formulas = page.evaluate("""() => [...document.querySelectorAll('.lp-page math')].map(math => ({
            alttext: math.getAttribute('alttext'),
            tex: (math.querySelector('annotation[encoding="application/x-tex"]') || {}).textContent}))""")
        if formulas:
            total += len(formulas)
            tree = visitor.context.new_cdp_session(page).send("Accessibility.getFullAXTree")["nodes"]
            problems += math_tree_problems(tutorial.url, tree, len(formulas))
        for formula in formulas:
            if not formula["alttext"] or formula["alttext"] != formula["tex"]:
                problems.append(f"{tutorial.url}: a formula's alttext is {formula['alttext']!r}, "
                                f"its TeX {formula['tex']!r}")
        page.close()
    assert total > 0, "no page has a formula: the check would prove nothing"
    report(problems)


def math_tree_problems(url, tree, expected):
    nodes = {node["nodeId"]: node for node in tree}

    def spoken(node):
        own = node.get("name", {}).get("value", "") if node["role"]["value"] == "StaticText" else ""
        return own + "".join(spoken(nodes[child]) for child in node.get("childIds", []) if child in nodes)

    maths = [node for node in tree if node["role"]["value"] == "MathMLMath" and not node.get("ignored")]
    problems = [] if len(maths) == expected else [
        f"{url}: {expected} formulas, {len(maths)} math objects for screen readers"]
    problems += [f"{url}: a math object for screen readers has no text" for node in maths
                 if not spoken(node).strip()]
    return problems


# ## Nothing a source says runs
#
# A site built from every injection vector of tests/test_sanitize.py: each
# of its pages is opened, every element of the content is sent the events
# an inline handler would answer, and no dialog opens and no alert() runs.
@pytest.fixture(scope="session")
def vector_site_url(tmp_path_factory):
    from test_sanitize import build_vector_site
    site = build_vector_site(tmp_path_factory.mktemp("vectors"))
    server = LocalServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", site
    server.shutdown()
    server.server_close()


PROVOKE = """() => {
    for (const element of document.querySelectorAll("article *")) {
        for (const kind of ["click", "mouseover", "focus", "error", "load", "animationstart"]) {
            element.dispatchEvent(new Event(kind));
        }
    }
    return [...document.querySelectorAll("article a[href], article img[src]")]
        .map(element => new URL(element.href || element.src, location.href).protocol)
        .filter(protocol => !["http:", "https:", "mailto:"].includes(protocol));
}"""


def test_no_vector_runs_in_the_browser(browser, vector_site_url, visitors):
    base, site = vector_site_url
    visitor = visitors(DESKTOP)
    visitor.context.add_init_script(
        "window.__ran = []; for (const name of ['alert', 'confirm', 'prompt', 'print'])"
        " window[name] = (...args) => window.__ran.push(name + '(' + args.join() + ')');")
    dialogs, problems = [], []
    visitor.context.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    # Every title is in the navigation of every page: two title pages stand for the others.
    pages = sorted(path.parent.relative_to(site).as_posix() for path in site.rglob("index.html")
                   if not path.parent.name.startswith("title_") or path.parent.name in ("title_0", "title_27"))
    assert {".", "zh", "vectors/vectors", "vectors/untranslated", "vectors/title_27"} <= set(pages), pages
    for name in pages:
        page = visitor.open(f"{base}/{name}/" if name != "." else f"{base}/")
        schemes = page.evaluate(PROVOKE)
        page.wait_for_timeout(50)
        ran = page.evaluate("window.__ran")
        if schemes or ran:
            problems.append(f"{name}: links to {schemes}, ran {ran}")
        page.close()
    assert dialogs == [] and problems == []
