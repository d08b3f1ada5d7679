"""What a reader does on a page, each on a fresh one: search, the keyboard,
copying code, the language switch, the scheme toggle, and the injection
vectors, which must not run.

These need a page of their own, so they run on a sample that holds one
page of each kind: the home pages, a tutorial in each language, a tutorial
written text first, a page of the generator and the test results. What
every page must show is checked once per page and view in
`test_browser.py`.
"""

import ast
from urllib.parse import urlsplit

import pytest

import literate.parse
import literate.site
import literate.textfirst
from site_html import shown_code
from support import DESKTOP, PHONE, ROOT, SOURCE, page_path, report, sampled, served
from test_browser import axe_findings, contrast_problems, measure_contrast, search

pytestmark = pytest.mark.browser

ENGLISH = next(path for path in sorted(SOURCE.glob("*/*.py"))
               if not path.name.startswith("__init__") and not path.stem.endswith("_zh"))
CHINESE = ENGLISH.with_name(ENGLISH.stem + "_zh.py")
TEXT_FIRST = sorted(SOURCE.rglob("*" + literate.textfirst.LITERATE_SUFFIX))[0]
GENERATOR = ROOT / "literate" / "read.py"
# The pages of each kind, with the source each shows.
TUTORIALS = {"/" + page_path(ENGLISH): ENGLISH, "/zh/" + page_path(CHINESE): CHINESE,
             "/" + page_path(TEXT_FIRST): TEXT_FIRST, "/literate/read/": GENERATOR}
SAMPLE = ["/", "/zh/", *TUTORIALS, "/test-results/"]


def source_lines(source):
    return literate.parse.split_lines(shown_code(source))


# ## 5. Search
#
# A reader searches from a page in their language: the page that teaches
# the word is among the results (several chapters use it, so which comes
# first is the search's ranking), every result is in that language, and the
# first opens a page in it.
@pytest.mark.parametrize("query, lang, expected", [("自定义", "zh", "/zh/autograd/autograd/"),
                                                   ("backward", "en", "/autograd/autograd/")])
def test_search_finds_the_page_in_the_query_language(base_url, visitors, query, lang, expected):
    page = visitors(DESKTOP).open(base_url + ("/zh/" if lang == "zh" else "/") + page_path(ENGLISH))
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


# ## What a test printed
#
# What a test printed is under that test's code, all of it (its commentary
# may cut the code into rows), closed, and named in the page's language; a
# keyboard opens it.
OUTPUTS_JS = """() => [...document.querySelectorAll('details.lp-test-output')].map(block => {
    const lines = row => row ? [...row.querySelectorAll('.lp-line')].map(line => Number(line.dataset.ln)) : [];
    return {function: block.querySelector('summary code').textContent, summary: block.querySelector('summary').innerText,
            open: block.open, lines: lines(block.previousElementSibling), after: lines(block.nextElementSibling)};
})"""


@pytest.mark.parametrize("source, said", [("03_backprop/01_elementwise.py", "What "),
                                          ("03_backprop/01_elementwise_zh.py", "的输出")])
def test_what_a_test_printed_is_under_all_its_code_closed_and_opens_by_keyboard(base_url, visitors, source, said):
    path = SOURCE / source
    ends = {node.name: node.end_lineno for node in ast.parse(path.read_text(encoding="utf-8")).body
            if isinstance(node, ast.FunctionDef)}
    page = visitors(DESKTOP).open(base_url + ("/zh/" if source.endswith("_zh.py") else "/") + page_path(path))
    blocks = page.evaluate(OUTPUTS_JS)
    assert blocks, f"{source}: no test's output on its page"
    for block in blocks:
        end = ends[block["function"]]
        assert end in block["lines"] and all(line > end for line in block["after"]), (
            f"{block['function']}'s output is not right after its last line, {end}: {block['lines'][-3:]}")
        assert not block["open"] and said in block["summary"], block
    summary = page.locator("details.lp-test-output summary").first
    summary.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.querySelector('details.lp-test-output').open")
    assert page.locator("details.lp-test-output pre").first.is_visible()


# ## Page actions
#
# A page's actions are buttons at the top of its content, each named in the
# page's language for screen readers (and shown as a tooltip). On a phone
# they take one row, inside the screen, the commentary starts on the first
# screen, and a keyboard reaches every action and works it: Enter on
# "Download .py" downloads the page's code.
ACTIONS = {"colab": "colab", "notebook": "download_notebook", "code": "download_code", "text": "download_text",
           "source": "view_source"}
FIRST_SCREEN = 400  # pixels of a 390×844 phone before which a tutorial's commentary starts


@pytest.mark.parametrize("path", TUTORIALS)
def test_page_actions_are_named_buttons_in_one_row_that_a_keyboard_works(base_url, visitors, path, artifacts):
    source, problems = TUTORIALS[path], []
    said = literate.site.words("zh" if path.startswith("/zh/") else "en")
    page = visitors(PHONE).open(base_url + path)
    buttons = page.evaluate("""() => [...document.querySelectorAll('.lp-actions a')].map(a => {
        const box = a.getBoundingClientRect();
        return {kind: [...a.classList].find(c => c.startsWith('lp-action--')).slice(11), name: a.ariaLabel,
                title: a.title, top: box.top, bottom: box.bottom, left: box.left, right: box.right,
                icon: Boolean(a.querySelector('svg'))};
    })""")
    kinds = ["colab", "notebook", "code", "text", "source"]
    if source == GENERATOR:
        kinds = ["code", "text", "source"]
    assert [button["kind"] for button in buttons] == kinds, f"{path}: the actions are {buttons}"
    for button in buttons:
        if not (button["name"] == button["title"] == said[ACTIONS[button["kind"]]] and button["icon"]):
            problems.append(f"{path}: the {button['kind']} button is named {button['name']!r}, with no icon"
                            if not button["icon"] else f"{path}: the {button['kind']} button is named "
                            f"{button['name']!r}, not {said[ACTIONS[button['kind']]]!r}")
    if len({round(button["top"]) for button in buttons}) != 1:
        problems.append(f"{path}: on a phone the actions take more than one row: {buttons}")
    if any(button["left"] < 0 or button["right"] > PHONE["width"] for button in buttons):
        problems.append(f"{path}: on a phone an action is off the screen: {buttons}")
    commentary = page.evaluate("() => document.querySelector('.lp-docs > :not(.lp-anchor)')"
                               ".getBoundingClientRect().top + window.scrollY")
    if commentary > FIRST_SCREEN:
        problems.append(f"{path}: on a phone the commentary starts at {commentary:.0f} px, below {FIRST_SCREEN}")
    page.screenshot(path=str(artifacts / f"actions-{path.strip('/').replace('/', '-')}-phone.png"))
    focus_by_tab(page, "e.matches('.lp-action--code')", "the Download .py button")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    expected = literate.site.page_name(source) + ".py"
    if download.value.suggested_filename != expected:
        problems.append(f"{path}: Enter on Download .py downloads {download.value.suggested_filename}")
    report(problems)


# ## The end of a block
#
# The blank lines that end a code block are a small gap, without numbers,
# lower than one line; they are still in the block's text.
BLOCK_ENDS_JS = """() => [...document.querySelectorAll('.lp-code code')].map(code => {
  const lines = [...code.querySelectorAll('.lp-line')];
  const numbered = lines.filter(line => getComputedStyle(line, '::before').content !== 'none');
  const gap = code.querySelector('.lp-gap');
  return {last: numbered.length ? numbered[numbered.length - 1].textContent.trim() : '', lines: lines.length,
          gap: gap ? gap.getBoundingClientRect().height : 0, line: lines[0].getBoundingClientRect().height,
          kept: code.textContent.split('\\n').length - 1};
})"""


@pytest.mark.parametrize("path", TUTORIALS)
def test_blank_lines_that_end_a_block_are_a_small_gap_without_numbers(base_url, visitors, path):
    blocks, problems = visitors(DESKTOP).open(base_url + path).evaluate(BLOCK_ENDS_JS), []
    for number, block in enumerate(blocks, start=1):
        if not block["last"]:
            problems.append(f"{path}: block {number} ends in a numbered blank line")
        if block["gap"] >= block["line"]:
            problems.append(f"{path}: block {number}'s closing gap is {block['gap']} px, a line is {block['line']}")
        if block["kept"] != block["lines"]:
            problems.append(f"{path}: block {number} holds {block['kept']} lines of text for {block['lines']} lines")
    assert sum(block["gap"] > 0 for block in blocks) > 3, f"{path}: no block ends in a gap"
    report(problems)


# ## Chinese typesetting
#
# No line of Chinese text starts with a closing mark (。，、；：？！）」) or
# ends with an opening one (（「), on a phone or a desktop: not after an
# inline formula, which the browser lays out as one box, nor after a cited
# test's mark. Each character's box and each formula's is measured in
# reading order; a box whose middle is below the bottom of the one before
# starts a line.
LINE_STARTS_JS = """() => {
  const CLOSING = "。，、；：？！）」』》", OPENING = "（「『《";
  const problems = [];
  for (const block of document.querySelectorAll('.lp-docs p, .lp-docs li, .md-content .lp-summary, .md-content > .md-content__inner > p')) {
    const boxes = [];
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT, {
      acceptNode: node => node.parentElement && node.parentElement.closest('math') ? NodeFilter.FILTER_REJECT
                                                                                   : NodeFilter.FILTER_ACCEPT});
    for (let node; (node = walker.nextNode());) {
      if (node.nodeType === Node.ELEMENT_NODE) {
        if (node.localName === 'math') {
          const rects = node.getClientRects();
          if (rects.length) boxes.push({text: '[' + (node.getAttribute('alttext') || 'math') + ']',
                                        first: rects[0], last: rects[rects.length - 1]});
        }
        continue;
      }
      for (let i = 0; i < node.data.length; i++) {
        if (!node.data[i].trim()) continue;
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const rects = range.getClientRects();
        if (rects.length) boxes.push({text: node.data[i], first: rects[0], last: rects[rects.length - 1]});
      }
    }
    for (let k = 1; k < boxes.length; k++) {
      const a = boxes[k - 1], b = boxes[k];
      const newLine = (b.first.top + b.first.bottom) / 2 > a.last.bottom;
      if (!newLine) continue;
      if (CLOSING.includes(b.text)) problems.push(`a line starts with ${b.text} after ${a.text}`);
      if (OPENING.includes(a.text)) problems.push(`a line ends with ${a.text} before ${b.text}`);
    }
  }
  return problems;
}"""
CHINESE_PAGES = ["/zh/"] + sorted("/zh/" + page_path(path) for path in SOURCE.glob("*/*_zh.py*")
                                  if not path.name.startswith("__init__"))


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_no_chinese_line_starts_with_a_closing_mark(base_url, visitors, viewport):
    visitor, problems = visitors(viewport), []
    for path in CHINESE_PAGES:
        problems += [f"{path}: {problem}" for problem in visitor.go(base_url + path).evaluate(LINE_STARTS_JS)]
    assert len(CHINESE_PAGES) > 10
    report(problems)


# ## 7. Code copy
#
# Each code block's copy button must put on the clipboard exactly the
# source lines the block shows: no line numbers, nothing added or lost.
# Material trims the end of what it copies, so the blank lines that close a
# section are not copied; every other character is.
# The copy button writes to the clipboard a moment after the click: the
# test waits until the clipboard no longer holds its marker.
MARKER = "(nothing copied)"


def copied_text(page, timeout=10_000):
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError  # imported where a page exists

    try:
        page.wait_for_function(f"async () => (await navigator.clipboard.readText()) !== {MARKER!r}",
                               polling=50, timeout=timeout)
    except PlaywrightTimeoutError:
        return MARKER
    return page.evaluate("() => navigator.clipboard.readText()")


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


# On a phone the copy button shows all the time, at the top right of its
# block: no line's text may lie under it, however far the line runs.
COVERED_LINES_JS = """() => {
  const covered = [];
  for (const button of document.querySelectorAll('.lp-code .md-code__button')) {
    const b = button.getBoundingClientRect(), pre = button.closest('pre').getBoundingClientRect();
    for (const line of button.closest('pre').querySelectorAll('.lp-line')) {
      const range = document.createRange();
      range.selectNodeContents(line);
      const under = [...range.getClientRects()].some(r => line.textContent.trim() &&
        Math.max(r.left, pre.left) < b.right && Math.min(r.right, pre.right) > b.left &&
        r.top < b.bottom && r.bottom > b.top);
      if (under) covered.push(line.dataset.ln);
    }
  }
  return [document.querySelectorAll('.lp-code .md-code__button').length, covered];
}"""


@pytest.mark.parametrize("path", TUTORIALS)
def test_on_a_phone_no_copy_button_covers_code(base_url, visitors, path):
    page = visitors(PHONE).open(base_url + path)
    buttons, covered = page.evaluate(COVERED_LINES_JS)
    assert buttons > 0, f"{path}: no copy button"
    assert not covered, f"{path}: on a phone a copy button covers the code of lines {covered}"


@pytest.mark.parametrize("path", TUTORIALS)
def test_copy_button_copies_the_blocks_source_lines(base_url, visitors, path):
    visitor = clipboard_visitor(visitors, base_url)
    lines = source_lines(TUTORIALS[path])
    page = visitor.open(base_url + path)
    problems, blocks = [], sampled(path, page.locator(".lp-code pre").all())
    assert blocks, f"{path} has no code block"
    for block in blocks:
        numbers, expected = block_source(block, lines)
        page.evaluate(f"() => navigator.clipboard.writeText({MARKER!r})")
        block.locator("button[data-md-type=copy]").click()
        clipboard = copied_text(page)
        if clipboard != expected:
            problems.append(f"{path}: the block of lines {numbers[0]}-{numbers[-1]} "
                            f"copied {clipboard!r}, expected {expected!r}")
    report(problems)


# Material's "Copied to clipboard" notice shows for two seconds at the bottom
# right, where the code column's copy buttons are. One block is scrolled so
# that its button sits under the notice, and the mouse clicks it there.
NOTICE_SETTLED_JS = """() => {
  const notice = document.querySelector('.md-dialog--active');
  return notice !== null && notice.getAnimations().length === 0;
}"""


def test_a_copy_button_under_the_copied_notice_still_copies(base_url, visitors):
    visitor = clipboard_visitor(visitors, base_url)
    path = "/" + page_path(ENGLISH)
    page = visitor.open(base_url + path)
    blocks = page.locator(".lp-code pre").all()
    assert len(blocks) > 4, f"{path}: too few code blocks to scroll one under the notice"
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
        f"{path}: the button at ({x}, {y}) is not under the notice {notice}"
    assert page.evaluate(NOTICE_SETTLED_JS), "the notice went before the click"

    _, expected = block_source(block, source_lines(ENGLISH))
    page.evaluate(f"() => navigator.clipboard.writeText({MARKER!r})")
    page.mouse.click(x, y)
    assert copied_text(page, timeout=3_000) == expected


# ## The scheme toggle
#
# Switched by its button, the page turns dark and its text stays readable:
# by our measurement and by axe-core's own contrast rule, before and after
# the switch. (Every page in both schemes, as the browser's preference
# shows them, is measured in `test_browser.py`.)
AXE_CONTRAST = {"resultTypes": ["violations"], "runOnly": ["color-contrast"]}


@pytest.mark.parametrize("path", SAMPLE)
def test_dark_mode_toggle_keeps_code_and_commentary_readable(base_url, visitors, path):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    # A fresh profile: Material remembers the chosen scheme.
    page = visitors(DESKTOP, color_scheme="light").open(base_url + path)
    assert page.evaluate("() => document.body.dataset.mdColorScheme") == "default"
    problems = axe_findings(f"{path} (light)", axe.run(page, options=AXE_CONTRAST).response["violations"])
    page.locator("form[data-md-component=palette] label:visible").click()
    page.wait_for_function("() => document.body.dataset.mdColorScheme === 'slate'")
    contrast = measure_contrast(page)
    assert contrast["theme"]["bodyLuminance"] < 0.1, f"{path}: the dark scheme's page is not dark"
    found, measured = contrast_problems(f"{path} (toggled dark)", contrast)
    assert measured > 10, f"{path}: only {measured} text elements measured"
    problems += found + axe_findings(f"{path} (toggled dark)", axe.run(page, options=AXE_CONTRAST).response["violations"])
    report(problems)


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


@pytest.mark.parametrize("path", SAMPLE)
def test_tab_reaches_every_link_in_reading_order_with_a_visible_ring(base_url, visitors, path):
    url = base_url + path
    problems = []
    page = visitors(DESKTOP).open(url)
    page.add_style_tag(content=NO_TRANSITIONS)
    links = page.evaluate(VISIBLE_LINKS_JS)
    stops = tab_through(page)
    changed = page.evaluate(UNFOCUSED_JS)
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
    assert len(stops) > 5, f"{url}: Tab stopped {len(stops)} times only"
    report(problems)


def focus_by_tab(page, predicate, what):
    for _ in range(400):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const e = document.activeElement; return Boolean({predicate}); }}"):
            return
    pytest.fail(f"{page.url}: Tab never reaches {what}")


def test_language_switch_works_from_the_keyboard(base_url, visitors):
    page = visitors(DESKTOP).open(base_url + "/" + page_path(ENGLISH))
    focus_by_tab(page, "e.closest('.md-select') && e.matches('a[hreflang=zh]')", "the link to 中文")
    assert page.evaluate("() => document.activeElement.checkVisibility({visibilityProperty: true})"), \
        "the language list stays hidden while its link has focus"
    page.keyboard.press("Enter")
    # The new page's <html lang> is parsed before its body: wait for both.
    page.wait_for_function("() => document.documentElement.lang.startsWith('zh') && document.querySelector('.lp-page')")
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


# ## Nothing a source says runs
#
# A site built from every injection vector of tests/test_sanitize.py: each
# of its pages is opened, every element of the content is sent the events
# an inline handler would answer, and no dialog opens and no alert() runs.
@pytest.fixture(scope="session")
def vector_site_url(vector_site):
    with served(vector_site) as base:
        yield base, vector_site


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


SETTLE_JS = "() => new Promise(done => requestAnimationFrame(() => setTimeout(done, 0)))"


def test_no_vector_runs_in_the_browser(vector_site_url, visitors):
    base, site = vector_site_url
    visitor = visitors(DESKTOP)
    visitor.context.add_init_script(
        "window.__ran = []; for (const name of ['alert', 'confirm', 'prompt', 'print'])"
        " window[name] = (...args) => window.__ran.push(name + '(' + args.join() + ')');")
    dialogs, problems = [], []
    visitor.context.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    # Every title is in the navigation of every page: two title pages stand
    # for the others.
    pages = sorted(path.parent.relative_to(site).as_posix() for path in site.rglob("index.html")
                   if not path.parent.name.startswith("title_") or path.parent.name in ("title_0", "title_27"))
    assert {".", "zh", "vectors/vectors", "vectors/untranslated", "vectors/title_27"} <= set(pages), pages
    for name in pages:
        page = visitor.open(f"{base}/{name}/" if name != "." else f"{base}/")
        schemes = page.evaluate(PROVOKE)
        # What the events set going (a load, a timer at 0) has had its turn
        # once the network is idle and a frame and a task have passed.
        page.wait_for_load_state("networkidle")
        page.evaluate(SETTLE_JS)
        ran = page.evaluate("window.__ran")
        if schemes or ran:
            problems.append(f"{name}: links to {schemes}, ran {ran}")
        page.close()
    assert dialogs == [] and problems == []
