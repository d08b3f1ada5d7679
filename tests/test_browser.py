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


@pytest.fixture(scope="module")
def screenshot(tmp_path_factory):
    folder = tmp_path_factory.mktemp("screenshots", numbered=False)

    def take(page, name):
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True, timeout=120_000)  # a loaded machine
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


# ## 4. Offline
#
# A whole visit at both sizes: load, scroll to the end, open the search and
# run a query (which loads the search worker and its index).
def test_offline_no_request_leaves_the_machine_and_nothing_fails(tutorials, base_url, visitors):
    problems = []
    for viewport in (DESKTOP, PHONE):
        visitor = visitors(viewport)
        for url in [base_url + "/"] + [tutorial.url for tutorial in tutorials]:
            page = visitor.open(url, wait_until="networkidle")
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
def search(page, query):
    toggle = page.locator("label[for=__search]").first
    if toggle.is_visible():
        toggle.click()
    page.locator(".md-search__input").click()
    placeholder = page.locator(".md-search-result__meta").inner_text()
    page.keyboard.insert_text(query)
    page.keyboard.press("End")
    page.wait_for_function(
        "placeholder => document.querySelector('.md-search-result__meta').innerText !== placeholder",
        arg=placeholder)
    results = page.locator(".md-search-result__item a")
    assert results.count(), (f"searching {query!r} on {page.url} finds nothing: "
                             f"{page.locator('.md-search-result__meta').inner_text()!r}")
    return results.first


# ## 5. Search
#
# A reader searches from a page in their language; the first result must be
# a page in that language.
@pytest.mark.parametrize("query, lang, first", [("反向传播", "zh", "/zh/autograd/autograd/"),
                                                ("backward", "en", "/autograd/autograd/")])
def test_search_finds_the_page_in_the_query_language(tutorials, visitors, query, lang, first):
    start = next((t for t in tutorials if t.lang == lang), None)
    assert start, f"no tutorial page in {lang}"
    page = visitors(DESKTOP).open(start.url)
    found = search(page, query)
    hits = [urlsplit(href).path for href in
            page.locator(".md-search-result__item a").evaluate_all("links => links.map(a => a.href)")]
    assert hits[0] == first, f"the first result for {query!r} is {hits[0]}, not {first}"
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
def test_copy_button_copies_the_blocks_source_lines(tutorials, base_url, visitors):
    visitor = visitors(DESKTOP)
    visitor.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    problems, copied = [], 0
    for tutorial in tutorials:
        lines = tutorial.source_lines
        page = visitor.open(tutorial.url)
        page.evaluate("() => navigator.clipboard.writeText('(nothing copied)')")
        for block in tutorial.sample(page.locator(".lp-code pre").all()):
            numbers = [int(n) for n in block.evaluate(
                "pre => [...pre.querySelectorAll('.lp-line')].map(line => line.dataset.ln)")]
            expected = "\n".join(lines[n - 1] for n in numbers).rstrip()
            block.locator("button[data-md-type=copy]").click()
            clipboard = page.evaluate("() => navigator.clipboard.readText()")
            copied += 1
            if clipboard != expected:
                problems.append(f"{tutorial.url}: the block of lines {numbers[0]}-{numbers[-1]} "
                                f"copied {clipboard!r}, expected {expected!r}")
        page.close()
    assert copied > 10
    report(problems)


# ## 8. Dark mode
#
# Contrast is computed from the colours the browser rendered: each element
# that holds text, its colour against the backgrounds behind it (composited
# down to the page), opacity included. Line numbers, drawn by `::before`,
# are text too. Any CSS colour syntax is read through a canvas.
CONTRAST_JS = """(selector) => {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 1;
  const pen = canvas.getContext('2d', {willReadFrequently: true});
  const colors = new Map();
  const rgba = color => {
    if (!colors.has(color)) {
      pen.clearRect(0, 0, 1, 1);
      pen.fillStyle = '#000';
      pen.fillStyle = color;
      pen.fillRect(0, 0, 1, 1);
      const [r, g, b, a] = pen.getImageData(0, 0, 1, 1).data;
      colors.set(color, [r, g, b, a / 255]);
    }
    return colors.get(color);
  };
  const over = (top, bottom) => {
    const a = top[3] + bottom[3] * (1 - top[3]);
    if (a === 0) return [0, 0, 0, 0];
    return [0, 1, 2].map(i => (top[i] * top[3] + bottom[i] * bottom[3] * (1 - top[3])) / a).concat(a);
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
