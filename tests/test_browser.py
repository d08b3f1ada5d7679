"""Every page of the built site, in a real browser, once in each view.

A pass opens each page of the real site once in each of its views (of
four: light and dark, desktop 1280×800 and phone 390×844; of the
generator's pages, a few stand for the rest, `view_paths`) and records on
that visit what every per-page check needs: the layout, the formulas drawn
and the font that drew them, what the page requested and what failed, its
links and ids, its permalinks, the contrast of its text, axe-core's
findings (every rule at each screen size, and in the dark scheme those the
scheme can change) and, for formulas, what screen readers get. The tests
below then assert on those records, one test result per check, page and
view, so a failure names all three.

This file's pass covers the first view, where every page is visited and
links, permalinks and screen readers are checked too, and the dark scheme
on a phone; `test_browser_views.py` runs the same per-view checks on a
pass of its own over the other two views. Each file holds both schemes
and both screens. Two files, so that pytest-xdist (`--dist loadfile`)
gives each pass a worker: one pass over all four views was the run's
longest file by far. Each pass runs once
per `pytest` run, whichever worker asks first (`once_per_run` in
conftest.py), and drives a few Chromiums at once to use the machine's
cores.

What needs a fresh page (search, keyboard, copying, the language switch,
the scheme toggle, the injection vectors) is in `test_browser_actions.py`.

Each run leaves in `screenshots/` under pytest's temporary folder (or in
the folder that LITERATE_ARTIFACTS names) a full-page screenshot of every
tutorial page at desktop and phone size, and in the dark scheme at desktop
size; what a reader sees first of the home page and a tutorial in each
language (`reader-*.png`); and axe's findings per view in
`axe-<view>.json`.
"""

import collections
import json
import os
import queue
import re
import struct
import threading
import urllib.error
import urllib.request
import warnings
from urllib.parse import unquote, urldefrag

import pytest

import literate.parse
import literate.site
import literate.textfirst
from site_html import shown_code, source_formulas, squeeze
from support import (CONFIG, DESKTOP, FIRST_VIEW, GENERATOR_PAGES_IN_EVERY_VIEW, PATHS, PHONE, ROOT, SOURCE, VIEWS,
                     Visitor, chromium, is_generator_page, report, sampled, served, site_pages, view_paths)

pytestmark = pytest.mark.browser

MIN_CONTRAST = 4.5
FAILING_IMPACTS = ("critical", "serious")
# Chromiums driven at once: the page's scripts, layout and axe run in
# Chromium's processes while Python waits, one browser a core.
BROWSERS = max(2, os.cpu_count() or 1)
# axe-core's rules but one: the contrast of text is measured by
# CONTRAST_JS on every page in every view, as axe measures it but stricter
# (4.5:1 for all text, line numbers included); axe's own contrast rule
# costs six times the rest of axe together, and runs in full on the pages
# of test_browser_actions.py's scheme toggle.
AXE_OPTIONS = {"resultTypes": ["violations"], "rules": {"color-contrast": {"enabled": False}}}
# axe's one other rule that reads colours: a link in a run of text must
# stand out from the text around it.
SCHEME_RULES = ["link-in-text-block"]
SCREENSHOT_VIEWS = ("light-desktop", "light-phone", "dark-desktop")


# ## What a visit records
CODE_JS = """() => {
  const page = document.querySelector('.lp-page');
  return page && {lang: page.lang, lines: Object.fromEntries([...document.querySelectorAll('.lp-line')]
    .map(line => [line.dataset.ln, line.textContent]))};
}"""

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
  return {sections, wrapped, scrollers, scrollWidth: root.scrollWidth, clientWidth: root.clientWidth,
          scheme: document.body.dataset.mdColorScheme};
}"""

# Each formula with its size and TeX, and the TeX a reader would see in the
# text outside code (code spans and the code column hidden while it is read).
MATH_JS = """() => {
  const maths = [...document.querySelectorAll('.lp-page math')].map(math => {
    const r = math.getBoundingClientRect();
    const tex = math.querySelector('annotation[encoding="application/x-tex"]');
    return {tex: tex ? tex.textContent : null, alttext: math.getAttribute('alttext'),
            width: r.width, height: r.height};
  });
  const errors = document.querySelectorAll('.lp-math-error').length;
  const anywhere = document.querySelectorAll('math').length;
  const hide = document.createElement('style');
  hide.textContent = '.lp-page code, .lp-code { display: none !important; }';
  document.head.append(hide);
  const text = document.body.innerText;
  hide.remove();
  return {maths, errors, anywhere, rawTex: [...new Set(text.match(/\\$\\$|\\\\[A-Za-z]+|\\\\[()\\[\\]]/g) || [])].sort()};
}"""

# Once the network is idle: the font formulas are drawn in, and the fonts fetched.
FONT_JS = """async () => {
  await document.fonts.ready;
  const math = document.querySelector('.lp-page math');
  return {
    family: math ? getComputedStyle(math).fontFamily : null,
    loaded: [...document.fonts].filter(f => f.status === 'loaded').map(f => f.family.replace(/"/g, '')),
    fetched: performance.getEntriesByType('resource').map(e => e.name).filter(n => /\\.(ttf|otf|woff2?)$/.test(n)),
  };
}"""

# A link's text is its name as a screen reader says it: an icon button's is its label.
LINKS_JS = """() => [...document.querySelectorAll('a[href]')].map(a => ({
  href: a.href, text: (a.getAttribute('aria-label') || a.textContent).trim()}))"""
IDS_JS = "() => [...document.querySelectorAll('[id], a[name]')].map(e => e.id || e.name)"

PERMALINK_ROWS_JS = """() => [...document.querySelectorAll('.lp-section')].map(row => {
  const anchor = row.querySelector(':scope > .lp-docs > a.lp-anchor');
  return [row.id, anchor && anchor.getAttribute('href')]; })"""
# Where a row is, once its permalink has been followed.
ROW_PLACE_JS = """(id) => {
  const row = document.getElementById(id);
  return {
    hash: location.hash, top: row.getBoundingClientRect().top,
    margin: parseFloat(getComputedStyle(row).scrollMarginTop),
    header: document.querySelector('.md-header').getBoundingClientRect().bottom,
    atEnd: scrollY + innerHeight >= document.documentElement.scrollHeight - 1,
    height: innerHeight,
  };
}"""
# Once a permalink is clicked and the page has stopped scrolling: where its row is.
PERMALINK_JS = """async (id) => {
  const settle = () => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  let last;
  do { last = scrollY; await settle(); } while (scrollY !== last);
  return (""" + ROW_PLACE_JS + """)(id);
}"""

# Contrast is computed from the colours the browser rendered: each element
# that holds text, its colour against the backgrounds behind it (composited
# down to the page), opacity included. Line numbers, drawn by `::before`,
# are text too. The colours are measured as axe-core measures them, so that
# the two agree: a computed `rgb()`/`rgba()` is read with its alpha exact
# (through a canvas, 0.54 became 138/255 = 0.541, and grey text at 4.47:1
# passed as 4.52:1), and each blend is rounded to whole 8-bit channels, as
# on the screen. Other colour syntaxes are read through a canvas. Only the
# text below the minimum comes back, with how much was measured.
CONTRAST_JS = """([selector, minimum]) => {
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
  const measured = results.filter(Boolean);
  return {bodyLuminance: luminance(rgba(getComputedStyle(document.body).backgroundColor)),
          measured: measured.length, failing: measured.filter(item => item.ratio < minimum)};
}"""
TEXT_SELECTORS = {
    # the commentary and what else the page says around the code: the tests'
    # status line and marks
    "commentary": ".lp-page, .lp-page :not(.lp-code, .lp-code *)",
    "code": ".lp-code, .lp-code *",
    # the theme around them: header, link bar, sidebars, footer
    "theme": "body :not(.lp-page, .lp-page *)",
}


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
        raise AssertionError(f"searching {query!r} on {page.url} finds nothing in 30 s: "
                             f"{page.locator('.md-search-result__meta').inner_text()!r}") from None
    return results.first


def math_for_screen_readers(visitor, page):
    """What screen readers get of each formula: the text inside every math
    object of the accessibility tree (read through the DevTools protocol)."""
    tree = visitor.context.new_cdp_session(page).send("Accessibility.getFullAXTree")["nodes"]
    nodes = {node["nodeId"]: node for node in tree}

    def spoken(node):
        own = node.get("name", {}).get("value", "") if node["role"]["value"] == "StaticText" else ""
        return own + "".join(spoken(nodes[child]) for child in node.get("childIds", []) if child in nodes)

    return [spoken(node) for node in tree if node["role"]["value"] == "MathMLMath" and not node.get("ignored")]


# A reader's click, pointer and all, on the first and the last permalink,
# measured once the page has stopped scrolling: a page that scrolled there
# smoothly, or moved after it arrived, shows there. The others are clicked
# by a script, in one call, each measured at once: following a link to a
# fragment of the same page has scrolled by the time click() returns.
SCRIPTED_PERMALINKS_JS = """(ids) => ids.map(id => {
  document.querySelector(`#${CSS.escape(id)} > .lp-docs > a.lp-anchor`).click();
  return (""" + ROW_PLACE_JS + """)(id);
})"""


def click_permalinks(page, path):
    rows = sampled(path, page.evaluate(PERMALINK_ROWS_JS))
    linked = [row_id for row_id, href in rows if href == f"#{row_id}"]
    seen = {}
    for row_id in dict.fromkeys(linked[:1] + linked[-1:]):
        page.locator(f"#{row_id} > .lp-docs > a.lp-anchor").click()
        seen[row_id] = page.evaluate(PERMALINK_JS, row_id)
    scripted = [row_id for row_id in linked if row_id not in seen]
    seen.update(zip(scripted, page.evaluate(SCRIPTED_PERMALINKS_JS, scripted)))
    return [{"id": row_id, "href": href, "seen": seen.get(row_id)} for row_id, href in rows]


# axe-core in full, each rule once, in the light view of each screen size:
# its rules read the page's elements, roles, names and layout, which the
# screen changes and the scheme does not. In this theme a scheme is a set
# of colours (custom properties under `[data-md-color-scheme]`, Material's
# and literate.css's) and which of the header's two toggle labels shows;
# so in the dark views axe runs what the scheme can change: its rules that
# read colours on the whole page (its contrast rule aside, as everywhere),
# and every rule on the header. That the style rules of the page's scheme
# set colours only is measured on every visit (SCHEME_STYLE_JS), in both
# schemes, and asserted with axe's findings.
AXE_IN_EVERY_SCHEME = {"include": [".md-header"]}
AXE_HEADER_OPTIONS = {"resultTypes": ["violations"],
                      "rules": {rule: {"enabled": False} for rule in ["color-contrast", *SCHEME_RULES]}}

# Every style rule for a colour scheme (named by Material's attribute, or
# by the browser's preference) that applies to the page, with what it sets
# besides custom properties and `color-scheme`, the colours of form controls.
SCHEME_STYLE_JS = """() => {
  const found = [];
  const applies = selector => { try { return Boolean(document.querySelector(selector)); } catch (e) { return true; } };
  const walk = (rules, forScheme) => {
    for (const rule of rules) {
      const media = rule instanceof CSSMediaRule && /prefers-color-scheme/.test(rule.conditionText);
      if (rule instanceof CSSStyleRule && (forScheme || /data-md-color-scheme/.test(rule.selectorText))
          && applies(rule.selectorText)) {
        const other = [...rule.style].filter(name => !name.startsWith('--') && name !== 'color-scheme');
        if (other.length) found.push(`${rule.selectorText} { ${other.join(', ')} }`);
      }
      if (rule.cssRules) walk(rule.cssRules, forScheme || media);
    }
  };
  for (const sheet of document.styleSheets) walk(sheet.cssRules, false);
  return found;
}"""


def run_axe(axe, page, scheme):
    """axe's violations on the page: every rule in the light scheme; in the
    dark one, those the scheme can change (AXE_IN_EVERY_SCHEME). axe is put
    on the page once, for both of the dark scheme's runs."""
    page.evaluate(axe.axe_script)
    runs = [(None, AXE_OPTIONS)] if scheme == "light" else [
        (None, {"resultTypes": ["violations"], "runOnly": SCHEME_RULES}), (AXE_IN_EVERY_SCHEME, AXE_HEADER_OPTIONS)]
    return [violation for context, options in runs for violation in page.evaluate(
        "async ([context, options]) => (await axe.run(context || document, options)).violations", [context, options])]


def visit(visitor, axe, base, path, view, artifacts):
    """Everything the per-page checks need of one page in one view, from one visit."""
    scheme, viewport = VIEWS[view]
    page = visitor.go(base + path)
    record = {"code": page.evaluate(CODE_JS), "layout": page.evaluate(LAYOUT_JS), "math": page.evaluate(MATH_JS)}
    record["contrast"] = measure_contrast(page)
    record["axe"], record["scheme_style"] = run_axe(axe, page, scheme), page.evaluate(SCHEME_STYLE_JS)
    if view == "light-desktop":
        record["links"], record["ids"] = page.evaluate(LINKS_JS), page.evaluate(IDS_JS)
        if record["math"]["maths"]:
            record["spoken"] = math_for_screen_readers(visitor, page)
    if record["code"] and view in SCREENSHOT_VIEWS and not is_generator_page(path):
        slug = path.strip("/").replace("/", "_") or "index"
        page.screenshot(path=str(artifacts / f"{slug}-{view}.png"), full_page=True, timeout=120_000)
    reader_screenshot(page, path, view, artifacts)
    # The rest of a whole visit: scroll to the end and, in the light views
    # (one at each size), run a search, which loads the search worker and
    # its index; then wait until the network has been idle for half a
    # second: what the scroll and the search fetched is in by then.
    page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    if scheme == "light":
        search(page, "autograd")
        page.keyboard.press("Escape")
    page.wait_for_load_state("networkidle")
    record["font"] = page.evaluate(FONT_JS)
    if record["code"] and view == "light-desktop":
        record["permalinks"] = click_permalinks(page, path)
    visitor.traffic.settle(page)
    record["foreign"], record["errors"] = visitor.traffic.take()
    return record


# ## What a reader sees first
#
# The home page and one tutorial, in each language, as a reader first meets
# them: the top 2000 pixels of the page on a desktop 1280 pixels wide, and
# a phone's first screen. They are taken on the pass's own visit, before it
# scrolls, and kept in the artifacts (`reader-<page>-<language>-<size>.png`)
# to set beside those of another build.
READER_PAGES = {"/": "home", "/backprop/elementwise/": "elementwise"}
READER_SIZES = {"light-desktop": (1280, 2000), "light-phone": (PHONE["width"], PHONE["height"])}


def reader_screenshot_name(path, view):
    language, own = ("zh", path.removeprefix("/zh")) if path.startswith("/zh/") else ("en", path)
    if own not in READER_PAGES or view not in READER_SIZES:
        return None
    width, height = READER_SIZES[view]
    return f"reader-{READER_PAGES[own]}-{language}-{width}x{height}.png"


def reader_screenshot(page, path, view, artifacts):
    name = reader_screenshot_name(path, view)
    if name is None:
        return
    width, height = READER_SIZES[view]
    page.screenshot(path=str(artifacts / name), full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height},
                    timeout=120_000)


def visit_every_page(site, artifacts, views):
    """The pass: the pages of each of `views` (`view_paths`), a few browsers
    at once, each taking the next (page, view) from one queue, the largest
    pages first. A visit that fails is recorded as its error, for that
    page's tests to report."""
    from axe_playwright_python.sync_playwright import Axe

    sizes = {path: len(html) for path, html in site_pages(site)}
    todo = queue.SimpleQueue()
    for path in sorted(sizes, key=lambda path: -sizes[path]):
        for view in views:
            if path in view_paths(view):
                todo.put((path, view))
    records, failures = {view: {} for view in views}, []

    def work(base):
        try:
            with chromium() as browser:
                visitors = {view: Visitor(browser, VIEWS[view][1], color_scheme=VIEWS[view][0]) for view in views}
                axe = Axe()
                while True:
                    try:
                        path, view = todo.get_nowait()
                    except queue.Empty:
                        return
                    try:
                        records[view][path] = visit(visitors[view], axe, base, path, view, artifacts)
                    except Exception as error:  # noqa: BLE001 (the page's tests report it)
                        records[view][path] = {"failed": f"{type(error).__name__}: {error}"}
        except Exception as error:  # noqa: BLE001 (no browser at all: raised below)
            failures.append(error)

    with served(site) as base:
        workers = [threading.Thread(target=work, args=(base,)) for _ in range(BROWSERS)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        if failures:
            raise failures[0]
        statuses = link_statuses(base, records[FIRST_VIEW].values()) if FIRST_VIEW in records else {}
    for view in views:
        (artifacts / f"axe-{view}.json").write_text(
            json.dumps({path: record.get("axe") for path, record in sorted(records[view].items())}, indent=1),
            encoding="utf-8")
    return {"base": base, "records": records, "statuses": statuses}


def link_statuses(base, records):
    """The HTTP status of every address inside the site that a page links to."""
    statuses = {}
    for record in records:
        for link in record.get("links", []):
            target = urldefrag(link["href"])[0]
            if target.startswith(base) and target not in statuses:
                try:
                    with urllib.request.urlopen(target, timeout=30) as response:
                        statuses[target] = response.status
                except urllib.error.HTTPError as error:
                    statuses[target] = error.code
    return statuses


# The views of this file's pass; test_browser_views.py, which imports its checks, names its own.
PASS_VIEWS = (FIRST_VIEW, "dark-phone")


@pytest.fixture(scope="module")
def visits(request, real_site, once_per_run, artifacts, browser_available):
    """The records of the pass over the views of the module that asks (its PASS_VIEWS)."""
    views = request.module.PASS_VIEWS

    def make(folder):
        (folder / "visits.json").write_text(json.dumps(visit_every_page(real_site, artifacts, views)),
                                            encoding="utf-8")

    folder = once_per_run("visits-" + "-".join(views), make)
    return json.loads((folder / "visits.json").read_text(encoding="utf-8"))


def record_of(visits, path, view="light-desktop"):
    record = visits["records"][view].get(path)
    assert record is not None, f"{path} is not in the built site"
    assert "failed" not in record, f"visiting {path} ({view}) failed: {record['failed']}"
    return record


# A check made on each page in each view of a pass (of those that show
# `screen`, where given): parametrized by the views of the module that
# collects it, so that test_browser_views.py can run it on its own pass.
def each_page_and_view(screen=None):
    def mark(check):
        check.views_shown = lambda views: [view for view in views if screen is None or VIEWS[view][1] is screen]
        return check
    return mark


def pytest_generate_tests(metafunc):
    views_shown = getattr(metafunc.function, "views_shown", None)
    if views_shown:
        metafunc.parametrize("view, path", [(view, path) for view in views_shown(metafunc.module.PASS_VIEWS)
                                            for path in view_paths(view)])


each_page = pytest.mark.parametrize("path", view_paths(FIRST_VIEW))


# The pass leaves what a reader sees first of the home page and a tutorial,
# in each language at each size, made in this run (after this run's site).
def test_the_reader_screenshots_are_in_the_artifacts(real_site, visits, artifacts):
    built = (real_site / "index.html").stat().st_mtime
    shots = {}
    for own in READER_PAGES:
        for path in (own, "/zh" + own):
            for view, size in READER_SIZES.items():
                if view not in visits["records"]:
                    continue  # the other pass's
                shot = artifacts / reader_screenshot_name(path, view)
                assert shot.is_file() and shot.stat().st_mtime >= built, f"{shot.name}: not taken in this run"
                data = shot.read_bytes()
                assert data[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", data[16:24]) == size, shot.name
                shots[path, view] = data
    for (path, view), data in shots.items():
        if not path.startswith("/zh/"):
            assert data != shots["/zh" + path, view], f"{path} looks the same in both languages ({view})"


# ## The site is what the sources say
def test_the_pass_visits_every_page_of_the_site(real_site, visits):
    built = sorted(path for path, _ in site_pages(real_site))
    assert built == sorted(PATHS), "pages of the built site and of the sources differ"
    assert set(GENERATOR_PAGES_IN_EVERY_VIEW) <= set(built), "a page chosen to stand for the generator's is gone"
    for view in visits["records"]:
        assert sorted(visits["records"][view]) == sorted(view_paths(view)), f"the {view} view missed pages"


def test_the_two_passes_check_every_view_once():
    import test_browser_views

    assert sorted(PASS_VIEWS + test_browser_views.PASS_VIEWS) == sorted(VIEWS)


# A page's source file is found by its code column: the file whose lines
# are exactly the page's numbered code lines. That ties each page to a file
# without trusting the page's own "View code on GitHub" link, which is one
# of the things under test. A translation may keep its code on the same
# lines as the original: the page's language then tells them apart.
def candidate_sources():
    return sorted([*SOURCE.rglob("*.py"), *SOURCE.rglob("*" + literate.textfirst.LITERATE_SUFFIX)]) + [
        ROOT / "build_docs.py", *sorted((ROOT / "literate").glob("*.py"))]


@pytest.fixture(scope="module")
def sources(visits):
    """The source shown on each tutorial page of the pass: {path: (source, its lines)}."""
    candidates = [(path, literate.parse.split_lines(shown_code(path)), literate.site.page_name(path).endswith("_zh"))
                  for path in candidate_sources()]
    found = {}
    for path, record in (item for records in visits["records"].values() for item in records.items()):
        code = (record.get("code") or {})
        if not code or path in found:
            continue
        lines = {int(n): text for n, text in code["lines"].items()}
        if not lines:
            continue  # a page of prose (the guide's) shows no file's lines
        matches = [source for source, shown, chinese in candidates if chinese == (code["lang"] == "zh")
                   and all(0 < n <= len(shown) and shown[n - 1] == text for n, text in lines.items())]
        assert len(matches) == 1, f"{path}: its code column matches {len(matches)} source files: {matches}"
        found[path] = matches[0]
    return found


def test_every_source_has_its_page(sources):
    expected = {source for source in candidate_sources() if not source.name.startswith("__init__")}
    assert set(sources.values()) == expected, "tutorial pages missing from the built site"


# ## 1, 2. Layout at desktop and phone sizes
def page_scroll_problems(path, layout):
    problems = []
    if layout["scrollWidth"] > layout["clientWidth"]:
        problems.append(f"{path}: the page scrolls sideways "
                        f"({layout['scrollWidth']} px of content in {layout['clientWidth']} px)")
    if layout["wrapped"]:
        problems.append(f"{path}: code lines wrap: {', '.join(layout['wrapped'][:10])}")
    for section in layout["sections"]:
        for part in ("docs", "code"):
            if section[part]["right"] > layout["clientWidth"] + 0.5:
                problems.append(f"{path}#{section['id']}: its {part} box ends at "
                                f"{section[part]['right']:.0f} px, past the screen")
    return problems


@each_page_and_view(DESKTOP)
def test_desktop_commentary_beside_its_code(visits, view, path):
    layout = record_of(visits, path, view)["layout"]
    problems = page_scroll_problems(path, layout)
    for section in layout["sections"]:
        where = f"{path}#{section['id']}"
        if not section["hasCode"]:
            # Prose (a page of the guide) reads across the row, not in the commentary's column.
            if section["docs"]["width"] < layout["clientWidth"] / 2:
                problems.append(f"{where}: a section without code is {section['docs']['width']:.0f} px wide, "
                                f"in a column beside no code")
            continue
        if section["docs"]["right"] > section["code"]["left"] + 0.5:
            problems.append(f"{where}: commentary (right edge {section['docs']['right']:.0f}) "
                            f"is not left of its code (left edge {section['code']['left']:.0f})")
        if section["hasCode"] and abs(section["docsTop"] - section["codeTop"]) > 4:
            problems.append(f"{where}: commentary starts at {section['docsTop']:.0f} px, "
                            f"its code at {section['codeTop']:.0f} px")
    report(problems)


@each_page_and_view(PHONE)
def test_phone_commentary_above_its_code(visits, view, path):
    record = record_of(visits, path, view)
    layout = record["layout"]
    problems = page_scroll_problems(path, layout)
    for section in layout["sections"]:
        where = f"{path}#{section['id']}"
        docs, code = section["docs"], section["code"]
        if section["hasCode"] and docs["bottom"] > code["top"] + 0.5:
            problems.append(f"{where}: commentary ends at {docs['bottom']:.0f} px, "
                            f"below the top of its code at {code['top']:.0f} px")
        if section["hasCode"] and (abs(docs["left"] - code["left"]) > 1 or abs(docs["width"] - code["width"]) > 1):
            problems.append(f"{where}: commentary and code are not one column "
                            f"({docs['left']:.0f}+{docs['width']:.0f} vs {code['left']:.0f}+{code['width']:.0f})")
    # Lines longer than a phone is wide exist on every page of code; they
    # must scroll inside their own box.
    if record["code"] and record["code"]["lines"] and not layout["scrollers"]:
        problems.append(f"{path}: no code box is wider than its content on a phone")
    for overflow in layout["scrollers"]:
        if overflow not in ("auto", "scroll"):
            problems.append(f"{path}: a long code block has overflow-x {overflow}")
    report(problems)


# ## 3. Math
#
# The formulas of a source are read from its commentary (with code spans
# taken out: `$x$` in backticks is code, not math). Each must be on the page
# as a math element with a size, and no TeX may be left in the text a
# reader sees outside code.
@each_page_and_view()
def test_every_formula_is_drawn_and_no_tex_is_visible(visits, sources, view, path):
    seen = record_of(visits, path, view)["math"]
    problems = []
    drawn = collections.Counter(squeeze(m["tex"]) for m in seen["maths"]
                                if m["tex"] and m["width"] > 0 and m["height"] > 0)
    if path in sources:
        for formula, count in source_formulas(sources[path]).items():
            if drawn[formula] < count:
                problems.append(f"{path}: ${formula}$ appears {count} time(s) in "
                                f"{sources[path].name}, drawn {drawn[formula]} time(s)")
    problems += [f"{path}: formula {math['tex']!r} has no size" for math in seen["maths"]
                 if not (math["width"] > 0 and math["height"] > 0)]
    if seen["errors"]:
        problems.append(f"{path}: {seen['errors']} formula(s) shown as errors")
    problems += [f"{path}: raw TeX {raw!r} is visible in the text" for raw in seen["rawTex"]]
    report(problems)


def test_some_page_has_formulas(visits, sources):
    assert any(source_formulas(source) for source in sources.values()), \
        "no source has a formula: the math checks would prove nothing"


# Formulas are drawn in the math font served with the site, and a page
# without math (in its content, or in the summaries a home page lists)
# does not even fetch it.
@each_page_and_view()
def test_math_is_drawn_in_the_served_math_font_only_on_pages_with_math(visits, view, path):
    record = record_of(visits, path, view)
    font, base = record["font"], visits["base"]
    served_font = [url for url in font["fetched"] if url.startswith(base)
                   and url.endswith("/assets/fonts/STIXTwoMath-Regular.ttf")]
    if record["math"]["maths"]:
        assert (font["family"] or "").startswith('"LP STIX Two Math"') and "LP STIX Two Math" in font["loaded"], \
            f"{path} ({view}): math in {font['family']!r}, fonts loaded {font['loaded']}"
    if record["math"]["anywhere"]:
        assert served_font, f"{path} ({view}): the math font came from {font['fetched']}"
    else:
        assert not font["fetched"] and "LP STIX Two Math" not in font["loaded"], \
            f"{path} ({view}) has no math but fetched {font['fetched']}"


# Each formula is MathML, which Chromium hands to screen readers as a math
# object with its structure (fractions, scripts) to speak; its `alttext`
# carries the TeX source for readers that cannot speak MathML. The
# accessibility tree must hold one unignored math object per formula, each
# with text inside, and each formula's alttext must be its TeX.
@each_page
def test_every_formula_is_exposed_to_screen_readers(visits, path):
    record = record_of(visits, path)
    formulas = record["math"]["maths"]
    problems = [f"{path}: a formula's alttext is {formula['alttext']!r}, its TeX {formula['tex']!r}"
                for formula in formulas if not formula["alttext"] or formula["alttext"] != formula["tex"]]
    if formulas:
        spoken = record["spoken"]
        if len(spoken) != len(formulas):
            problems.append(f"{path}: {len(formulas)} formulas, {len(spoken)} math objects for screen readers")
        problems += [f"{path}: a math object for screen readers has no text" for text in spoken if not text.strip()]
    report(problems)


# ## 4. Offline
#
# A whole visit: load, scroll to the end, in the light views a search (its
# worker and index), then the network idle: no request left 127.0.0.1,
# none failed, no script or console error.
@each_page_and_view()
def test_offline_no_request_leaves_the_machine_and_nothing_fails(visits, view, path):
    record = record_of(visits, path, view)
    report([f"request off the machine: {url}" for url in record["foreign"]] + record["errors"])


# ## 5. Links
#
# Every link of every page: a link inside the site must reach a page that
# exists (HTTP 200) and, with a fragment, an element of that id on it.
# Links off the site cannot be followed offline; those the configuration
# defines are compared with it: "View code on GitHub" must be `repo_url` +
# `/blob/<branch>/` + the page's source path, the header links those of
# mkdocs.yml, the mail link the contact address.
def github_link(source):
    path = source.relative_to(ROOT).as_posix()
    return f"{CONFIG['repo_url'].rstrip('/')}/blob/{CONFIG['extra']['repo_branch']}/{path}"


@each_page
def test_every_link_resolves(visits, sources, path):
    base, records = visits["base"], visits["records"]["light-desktop"]
    links, problems = record_of(visits, path)["links"], []
    if path in sources:
        problems += configured_link_problems(path, sources[path], links)
    for link in links:
        href, where = link["href"], f"{path}: link {link['text']!r} to {link['href']}"
        target, fragment = urldefrag(href)
        if target.startswith(base):
            status = visits["statuses"][target]
            target_path = target.removeprefix(base)
            if status != 200:
                problems.append(f"{where}: HTTP {status}")
            elif fragment and target_path in records and unquote(fragment) not in records[target_path]["ids"]:
                problems.append(f"{where}: no element #{unquote(fragment)} there")
            elif fragment and target_path not in records:
                problems.append(f"{where}: a fragment on {target_path}, which is no page")
        elif href.startswith("mailto:"):
            if href != f"mailto:{CONFIG['extra']['contact_email']}":
                problems.append(f"{where}: not the contact address of mkdocs.yml")
        elif not re.match(r"https://[^/\s]+\.[a-z]+(/\S*)?$", href):
            problems.append(f"{where}: not a well-formed https address")
    report(problems)


def configured_link_problems(path, source, links):
    problems = []
    words = literate.site.words("zh" if path.startswith("/zh/") else "en")["view_source"]
    shown = [link["href"] for link in links if link["text"] == words]
    if shown != [github_link(source)]:
        problems.append(f"{path}: {words!r} goes to {shown}, expected {github_link(source)}")
    configured = {link["url"] for link in CONFIG["extra"]["header_links"]} | {CONFIG["repo_url"]}
    missing = configured - {link["href"] for link in links}
    if missing:
        problems.append(f"{path}: header links of mkdocs.yml missing: {sorted(missing)}")
    return problems


# The permalink of a row is clicked as a reader would (the pointer on the
# row shows it); the row must then be in view, below the header, and at
# its scroll margin unless the page is already scrolled to its end.
@each_page
def test_section_permalinks_scroll_to_their_row(visits, path):
    problems = []
    for row in record_of(visits, path).get("permalinks", []):
        where, seen = f"{path}#{row['id']}", row["seen"]
        if row["href"] != f"#{row['id']}":
            problems.append(f"{where}: the permalink is {row['href']!r}")
        elif seen["hash"] != f"#{row['id']}":
            problems.append(f"{where}: the address shows {seen['hash']!r}")
        elif not seen["header"] - 0.5 <= seen["top"] < seen["height"]:
            problems.append(f"{where}: the row is at {seen['top']:.0f} px, out of view "
                            f"(header ends at {seen['header']:.0f} px)")
        elif not seen["atEnd"] and abs(seen["top"] - seen["margin"]) > 2:
            problems.append(f"{where}: the row is at {seen['top']:.0f} px, "
                            f"not at its scroll margin {seen['margin']:.0f} px")
    report(problems)


def test_permalinks_were_clicked_on_every_tutorial_page(visits, sources):
    clicked = {path: len(visits["records"]["light-desktop"][path].get("permalinks", [])) for path in sources}
    assert all(clicked.values()), f"pages whose permalinks were never clicked: {[p for p, n in clicked.items() if not n]}"


# ## 6. Contrast, in both schemes
#
# Each view shows its scheme (the browser's preference picks it), and all
# text meets 4.5:1 against what is behind it.
def contrast_problems(where, contrast):
    """What CONTRAST_JS found below the minimum in each part of a page, a
    line for each look, and how many texts it measured."""
    problems, measured = [], 0
    for part, seen in contrast.items():
        measured += seen["measured"]
        worst = {}
        for item in seen["failing"]:
            worst.setdefault((item["tag"], item["cls"], tuple(item["fg"]), tuple(item["bg"])), item)
        problems += [f"{where} {part}: <{item['tag']} class={item['cls']!r}> {item['text']!r} "
                     f"rgb{tuple(item['fg'])} on rgb{tuple(item['bg'])}: contrast {item['ratio']:.2f} < {MIN_CONTRAST}"
                     for item in worst.values()]
    return problems, measured


def measure_contrast(page):
    return {part: page.evaluate(CONTRAST_JS, [selector, MIN_CONTRAST]) for part, selector in TEXT_SELECTORS.items()}


@each_page_and_view()
def test_text_is_readable_in_every_view(visits, view, path):
    record = record_of(visits, path, view)
    expected = {"light": "default", "dark": "slate"}[VIEWS[view][0]]
    shown = record["layout"]["scheme"]
    assert shown == expected, f"{path}: the {view} view shows the {shown!r} scheme"
    if expected == "slate":
        assert record["contrast"]["theme"]["bodyLuminance"] < 0.1, f"{path}: the dark scheme's page is not dark"
    problems, measured = contrast_problems(f"{path} ({view})", record["contrast"])
    shows_code = record["code"] and record["code"]["lines"]
    assert measured > (50 if shows_code else 10), f"{path} ({view}): only {measured} text elements measured"
    report(problems)


# ## 7. Accessibility: axe-core on every page
#
# axe-core (the checker of Lighthouse and most audits, bundled for
# Playwright by axe-playwright-python) on every page in each view: every
# rule at each screen size, in its light view, and in the dark views those
# the scheme can change (`run_axe`). A critical or serious violation fails,
# the theme's as well as ours; the moderate and minor ones are reported as
# warnings.
def axe_findings(path, violations):
    return [f"{path}: {violation['impact']} {violation['id']} ({violation['help']}) at "
            + ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
            + (f" and {len(violation['nodes']) - 5} more" if len(violation["nodes"]) > 5 else "")
            for violation in violations]


@each_page_and_view()
def test_axe_finds_no_serious_violation(visits, view, path):
    record = record_of(visits, path, view)
    violations = record["axe"]
    # In a dark view axe ran what the scheme can change (`run_axe`): the
    # rest it checked in the light view of the same size, which holds while
    # either scheme's style rules set nothing but colours.
    assert not record["scheme_style"], \
        f"{path} ({view}): the scheme sets more than colours, yet most of axe runs in the light views only: " \
        + "; ".join(record["scheme_style"])
    for finding in axe_findings(path, [v for v in violations if v["impact"] not in FAILING_IMPACTS]):
        warnings.warn(f"axe ({view}): {finding}")
    report(axe_findings(path, [v for v in violations if v["impact"] in FAILING_IMPACTS]))
