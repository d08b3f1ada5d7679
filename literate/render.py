"""
# Render: a source becomes a page

A source's sections become a page: commentary beside the code it explains.

In: a page, its code, where every source is published and how commentary
breaks lines. Out: the page's `RenderedPage`: its body for MkDocs, one
block of HTML with a row per section, commentary beside code, where its
tests start, and a slot wherever its commentary cites one of them; its
title and summary, its warnings, and the files it offers to download.
What its tests showed is joined in when it is written.
"""

import ast
import html
import json
import re
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from xml.etree import ElementTree

from markdown.inlinepatterns import HTML_RE
from markdown.treeprocessors import Treeprocessor

from literate.read import SourceError
from literate.textfirst import LITERATE_SUFFIX, check_same, code_to_literate_text
from literate.parse import CodeFacts, parse_code, split_lines
from literate.frontmatter import FrontMatter, read_front_matter
from literate.site import NOTEBOOK_SUFFIX, download_name, index_heading, is_section_index, untitled_name, words
from literate.links import SourceLinks
from literate.conventions import LIST_ITEM, readable_folder_name
from literate.commentary import SERIES_TITLE, for_page, make_markdown, render_commentary
from literate.highlight import highlight_code


# Each page is a Markdown file whose body is one block of HTML, the sections
# as rows. MkDocs passes such a block through untouched, so code that holds
# `</script>` or `{{ }}` arrives on the page exactly as written: it was
# escaped once, here, and no template engine ever reads it. The code column
# is kept out of the search index (`data-search-exclude`): readers search
# the explanations, and indexing every line of code would make the build
# several times slower.
#
# Markdown keeps no line numbers, so a warning about commentary finds its
# line by looking for the text it quotes among the section's commentary
# lines, in order: a second `$$\oops$$` is reported at its own line. A
# link to an anchor finds its line the same way, for the warning it may
# get once every page is rendered (see "links").
class CommentaryWarnings:
    def __init__(self, lines):
        self.lines, self.found, self.anchored_links = lines, [], []
        self.section, self.rows, self.quoted = None, [], {}

    def enter(self, section):
        if section is self.section:
            return
        self.section = section
        code = set(section.code_line_numbers)
        self.rows = [row for row in range(section.first_line, section.last_line + 1) if row not in code]
        self.quoted = {}

    def __call__(self, message, quote):
        self.found.append((self.row_of(quote), message))

    def anchored(self, href, target, anchor):
        self.anchored_links.append((self.row_of(href), href, *target, anchor))

    def row_of(self, quote):
        needle = quote.strip().split("\n")[0]
        earlier = self.quoted.get(needle, 0)
        self.quoted[needle] = earlier + 1
        for row in self.rows if needle else ():
            count = self.lines[row - 1].count(needle)
            if earlier < count:
                return row
            earlier -= count
        return self.rows[0] if self.rows else 1


# Chinese typesetting forbids a line to start with a closing mark (。，、；：
# ？！）」) or to end with an opening one (（「). Browsers keep that rule
# between characters, but an inline formula is one box to them, and the
# full stop after it may start the next line (in English too): a formula
# goes on the page together with the marks that close on it or open
# before it.
CLOSING, OPENING = "。，、；：？！）」』》", "（「『《"
MATH_WITH_MARKS = re.compile(rf'([{OPENING}(\[]*)(<math\b[^>]*display="inline"[^>]*>.*?</math>)([{CLOSING}.,;:!?)\]]*)',
                             re.S)


def keep_marks_with_math(fragment):
    def keep(match):
        if not (match.group(1) or match.group(3)):
            return match.group(0)
        return f'<span class="lp-keep">{match.group(0)}</span>'

    return MATH_WITH_MARKS.sub(keep, fragment)


# A section is two halves: the marks of the tests that start in it go
# between them when the page is written (see "write"). The second half is
# pieces: HTML, the slots of the commentary's citations of tests in the
# order they come (see "Citing a test" below), and the code column, kept
# apart as a `CodeColumn` so that the plugin can keep it out of what
# MkDocs reads (see "The MkDocs plugin").
#
# The blank lines that end a block (those between its code and the next
# commentary) stay in it, and in what its copy button copies, but are
# drawn as a small gap without line numbers (`lp-gap`): a page of forty
# blocks would show eighty numbered empty lines.
class CodeColumn(str):
    """The HTML of a section's code, inside its `lp-code` column."""


def section_html(number, section, line_html, md, locale, citations):
    anchor = f"section-{number}"
    citations.slots = []
    docs = keep_marks_with_math(render_commentary(section.docs, md)) if section.docs.strip() else ""
    rows = list(section.code_line_numbers)
    lines = [f'<span class="lp-line" data-ln="{row}">{line_html[row - 1]}</span>\n' for row in rows]
    shown = len(rows)
    while shown and not line_html[rows[shown - 1] - 1].strip():
        shown -= 1
    code = "".join(lines[:shown]) + (f'<span class="lp-gap">{"".join(lines[shown:])}</span>' if 0 < shown < len(rows)
                                     else "".join(lines[shown:]))
    code_cell = (
        f'<div class="highlight"><pre><code>{code}</code></pre></div>' if code else ""
    )
    link_title = html.escape(words(locale)["section_link"])
    *pieces, last = citations.pieces(docs)
    column = f'{last}\n</div>\n<div class="lp-code" data-search-exclude>'
    after = (column, CodeColumn(code_cell), "</div>\n</div>\n") if code_cell else (column + "</div>\n</div>\n",)
    row = (
        f'<div class="lp-section" id="{anchor}">\n'
        f'<div class="lp-docs"><a class="lp-anchor" href="#{anchor}" title="{link_title}">¶</a>\n',
        (*pieces, *after),
    )
    return row, {anchor} | anchor_ids(docs)


# The anchors a link may point to, as MkDocs collects them from HTML: the
# `id` of any element and the `name` of a link. A section's are its own and
# those of its commentary (footnotes, named anchors); its code has none.
class AnchorIds(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = set()

    def handle_starttag(self, tag, attrs):
        self.found.update(value for name, value in attrs
                          if value is not None and (name == "id" or (name == "name" and tag == "a")))


# Most sections have none: a fragment where no `id` or `name` is given a
# value is not parsed at all.
MAY_HOLD_ANCHORS = re.compile(r"(?:id|name)\s*=", re.I)


def anchor_ids(fragment):
    if not MAY_HOLD_ANCHORS.search(fragment):
        return set()
    parser = AnchorIds()
    parser.feed(fragment)
    parser.close()
    return parser.found


# The page title is the Markdown heading that opens the module docstring
# (`# Title`); the first sentence after it is the summary shown on the
# home page.
#
# A heading may also be underlined with `===`, which Markdown and
# reStructuredText both read as a title: a text-first source starts so.
#
# Without a heading, the first line of a module docstring is the title when
# it is short (at most `SHORT_TITLE` characters, a final full stop dropped),
# as a docstring's summary line is meant to be; else its first sentence is,
# when that is short; else the file name. (Comments make no such promise:
# a page that opens with them keeps its file name.) A series title such as
# `**Overview**:` is no title: the line under it is read instead. A line
# that is the title is shown as the title, not again under it. A first line
# that ends in a colon (`:` or `：`) is no title either: it introduces what
# follows ("This page covers:" over a list) and stays with it, and the
# title is the file name made readable.
#
# Front matter (see "frontmatter") comes before all of these: its title is
# the page's, and its summary the page's summary and meta description.
SHORT_TITLE = 60
SENTENCE_END = re.compile(r"(?<=[.!?])\s|(?<=[。！？])")


def title_and_summary(sections, fallback, docstring_first=False):
    intro = sections[0].docs if sections else ""
    written = intro.split("\n")  # as written: a series title is known by the indented body under it
    lines = [line.strip() for line in written]

    def skip_blank_lines():
        while lines and not lines[0]:
            lines.pop(0)

    skip_blank_lines()
    title = fallback
    if lines and lines[0].startswith("# "):
        title = lines.pop(0)[2:].strip()
    elif len(lines) > 1 and lines[1] and set(lines[1]) == {"="}:
        title = lines[0]
        del lines[:2]
    elif docstring_first:
        while lines and is_series_title([line for line in written[len(written) - len(lines):] if line.strip()]):
            lines.pop(0)
            skip_blank_lines()
        first_line_title = lines and short_title(lines[0])
        if lines and lines[0].endswith((":", "：")):
            title = readable_folder_name(fallback)
        elif first_line_title:
            title = first_line_title
            lines.pop(0)
        elif lines:
            title = short_title(SENTENCE_END.split(lines[0], 1)[0]) or fallback
    skip_blank_lines()
    return title, first_sentence(lines)


# The summary is one whole sentence: the first of the paragraph of prose
# that opens the introduction, up to its full stop (or question or
# exclamation mark), the lines of the paragraph read as one. Prose ends
# where the paragraph does, or at a list, a formula, a table, a quote or a
# heading; a paragraph that ends there without finishing a sentence ("This
# page covers:" over a list) gives no summary, rather than half a one. A
# full stop inside inline code or math, or after "e.g." and its kind, ends
# no sentence.
NOT_PROSE = re.compile(r"[$|>#<]|\.\. |=+$|-+$")
NO_SENTENCE_END = re.compile(r"(?:\b(?:e\.g|i\.e|cf|vs|etc)|\b[A-Z])\.$")
INLINE_SPANS = re.compile(r"(`+).+?\1|\$[^$]+\$")


def first_sentence(lines):
    prose = []
    for line in lines:
        if not line or LIST_ITEM.match(line) or NOT_PROSE.match(line):
            break
        prose.append(line)
    text = "\n".join(prose)
    masked = INLINE_SPANS.sub(lambda span: "x" * len(span.group(0)), text)
    for end in SENTENCE_END.finditer(masked + "\n"):
        if not NO_SENTENCE_END.search(masked[: end.start()]):
            return text[: end.start()].rstrip()
    return ""


# As "commentary" reads them: `**Overview**:`, or a plain `Overview:` over
# an indented body; a plain one over a list or a paragraph is a lead-in.
def is_series_title(lines):
    title = SERIES_TITLE.match(lines[0].strip())
    return bool(title) and (bool(title["title"]) or len(lines) > 1 and lines[1][:1] in (" ", "\t"))


# The home pages show the summary, rendered with the page and kept with it
# in the cache, rather than on every build. Its problems are those of the
# introduction, which the page reports. Its links to sources lead from the
# home page.
def summary_html(summary, page, links):
    if not summary:
        return ""
    md = make_markdown(lambda message, quote: None)
    if links is not None:
        for_page(md, SourceLinks(md, page, links, from_home=True), "lp_source_links", 4)
    return re.sub(r"^<p>|</p>$", "", keep_marks_with_math(render_commentary(summary, md)))


# Prose only: a list item, a formula, a table row, a quote or a rule (`---`)
# is no title.
def short_title(line):
    text = line.strip().rstrip(".。")
    if not text or len(text) > SHORT_TITLE or LIST_ITEM.match(text) or text[0] in "$|>`<:*-_=":
        return ""
    return text


def without_title(section, title):
    lines = section.docs.split("\n")
    first = next((index for index, line in enumerate(lines) if line.strip() and not SERIES_TITLE.match(line.strip())),
                 None)
    if lines and lines[0].strip() == f"# {title}":
        heading_lines = slice(0, 1)
    elif len(lines) > 1 and lines[0].strip() == title and set(lines[1].strip()) == {"="}:
        heading_lines = slice(0, 2)
    elif first is not None and short_title(lines[first]) == title:
        heading_lines = slice(first, first + 1)
    else:
        return section
    del lines[heading_lines]
    # A series title left over nothing goes with the line it stood over.
    above = heading_lines.start - 1
    if above >= 0 and SERIES_TITLE.match(lines[above].strip()) and not (
            heading_lines.start < len(lines) and lines[heading_lines.start][:1].isspace()):
        del lines[above]
    return replace(section, docs="\n".join(lines).strip("\n"))


# A text-first source ends a paragraph with `::` where a code block follows.
# On the page the code stands beside it, so the marker goes the way docutils
# takes it away: `text::` shows `text:`, and a `::` alone or after a space
# shows nothing. (`.. name::` starts a directive; it is no such marker.)
def without_literal_markers(section):
    return replace(section, docs=literal_markers_removed(section.docs))


def literal_markers_removed(docs):
    lines = []
    for line in docs.split("\n"):
        text = line.rstrip()
        if text.endswith("::") and not text.lstrip().startswith(".."):
            before = text[:-2]
            if not before.strip():
                continue
            line = before.rstrip() if before[-1].isspace() else before + ":"
        lines.append(line)
    return "\n".join(lines).strip("\n")


def front_matter(**values):
    # JSON is YAML, and json.dumps quotes whatever a title may contain.
    lines = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in values.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n"


# The theme prints titles as HTML, so a title is escaped wherever it is
# written: like raw HTML anywhere in commentary, an author's `<b>` in it is
# shown as text, and reported.
def report_raw_html_in_title(title, report):
    for tag in re.finditer(HTML_RE, title):
        report(f"raw HTML is shown as text: {tag.group(0)!r}", tag.group(0))


# ## Citing a test
#
# Commentary that names one of the page's test functions as inline code
# (`` `test_softmax_gradient` ``) cites its proof: the name links to the row
# where that test is defined, and a slot after it is filled, when the page
# is written, with what the test did in this build (see "verdicts"). A name
# that is no test function of the page is reported at its line: a citation
# that proves nothing is a mistake, often a test renamed since. The names
# are found in Markdown's element tree, so code blocks and link texts are
# left alone.
#
# Each slot records the test it cites, and the Chinese punctuation that
# closes on the citation, which goes on the page with the mark, as with a
# formula (above). In the tree a slot is an empty element; the commentary's
# HTML is cut at those, and nowhere else: raw HTML an author writes is
# shown as text, so no author's tag is taken for a slot.
CITATION = re.compile(r"test_\w+")
SLOT = '<span class="lp-cite-mark"></span>'


@dataclass(frozen=True)
class CitationSlot:
    function: str  # the test function cited
    closing: str  # the closing punctuation right after the citation, kept with its mark


class TestCitations(Treeprocessor):
    def __init__(self, md, rows):
        super().__init__(md)
        self.rows = rows  # {test function: its section number}
        self.slots = []  # the CitationSlots of the commentary converted last, in the order they come

    def run(self, root):
        cited = [(parent, index, code) for parent in root.iter() if parent.tag not in ("pre", "a")
                 for index, code in enumerate(parent)
                 if code.tag == "code" and len(code) == 0 and CITATION.fullmatch(code.text or "")]
        for _, _, code in cited:
            if code.text not in self.rows:
                self.md.report(f"`{code.text}` is cited but is not a test function of this page", code.text)
        slots = {}
        for parent, index, code in reversed(cited):
            if code.text not in self.rows:
                continue
            link = ElementTree.Element("a", {"class": "lp-cite", "href": f"#section-{self.rows[code.text]}"})
            mark = ElementTree.Element("span", {"class": "lp-cite-mark"})
            after = code.tail or ""
            closing = after[:len(after) - len(after.lstrip(CLOSING))]
            mark.tail, code.tail = after[len(closing):], None
            slots[id(mark)] = CitationSlot(code.text, closing)
            parent[index] = link
            link.append(code)
            parent.insert(index + 1, mark)
        self.slots = [slots[id(element)] for element in root.iter("span") if id(element) in slots]

    def pieces(self, fragment):
        """The fragment's HTML cut at its slots: (html, slot, html, ..., html)."""
        parts = fragment.split(SLOT)
        if len(parts) != len(self.slots) + 1:
            raise AssertionError(f"{len(self.slots)} citations of tests, {len(parts) - 1} slots for their marks")
        pieces = [parts[0]]
        for slot, part in zip(self.slots, parts[1:]):
            pieces += [slot, part]
        return tuple(pieces)


def section_number(line, sections):
    return next(n for n, s in enumerate(sections, start=1) if s.first_line <= line <= s.last_line)


# What rendering makes of a page's text. Its tests' verdict is not part of
# it: the status line, each test's mark, the marks of its citations and
# what the tests printed are joined in when the page is written, so that a
# new verdict renders nothing again.
@dataclass(frozen=True)
class PageBody:
    front: str  # the front matter: title, language, downloads, what the theme reads
    head: str  # the opening of the page's HTML
    rows: tuple  # each section's two halves: (HTML before its test marks, the pieces after them)
    tests: tuple  # (test function, the number of the section it starts in)
    tests_end: tuple  # (test function, the number of the section its last line is in)
    anchors: frozenset  # the anchors a link may point to on the page
    tail: str = "</div>\n"
    anchored_links: tuple = ()  # (line, href, page name, locale, anchor) of each link to an anchor


# What rendering makes of a page: what a worker sends back, and the cache
# keeps (see "Pages").
@dataclass(frozen=True)
class RenderedPage:
    title: str
    summary: str  # the first line of its introduction, rendered, for the home page
    warnings: tuple  # (line, message) pairs
    downloads: dict  # file name beside the page -> bytes
    body: PageBody
    code_facts: CodeFacts  # what the tests that run next need of its code
    heading: object = None  # a section's index page: what it says of its section, an `IndexHeading` (see "The site")


# `parsed` is `parse_code(text)`, when the caller has parsed it already
# (the notebook is made from the same parse). `links` are where every
# source is published (see "links"), None for a page rendered on its own,
# outside a site; `line_breaks` the plugin's setting in `mkdocs.yml`; and
# `downloads` the files the page offers (`page_downloads`, its notebook).
def render_page(page, text, parsed=None, links=None, line_breaks="join", downloads=None):
    lines = split_lines(text)
    parsed = parse_code(text) if parsed is None else parsed
    sections = list(parsed.sections)
    if page.text_first:
        sections = [without_literal_markers(section) for section in sections]
    docstring_first = parsed.opens_with_docstring
    front = read_front_matter(sections[0].docs) if sections and docstring_first else FrontMatter()
    if front.values:
        sections[0] = replace(sections[0], docs=front.rest)
    title, summary = title_and_summary(sections, untitled_name(page), docstring_first and not front.title)
    title, summary = front.title or title, front.summary or summary
    if sections:
        sections[0] = without_title(sections[0], title)
    line_html = highlight_code(lines, parsed.tokens, parsed.tree)
    report = CommentaryWarnings(lines)
    if sections:
        report.enter(sections[0])
    if front.problem:
        report(*front.problem)
    report_raw_html_in_title(title, report)
    md = make_markdown(report, line_breaks)
    if links is not None:
        for_page(md, SourceLinks(md, page, links, anchored=report.anchored), "lp_source_links", 4)
    tests = tuple((function, section_number(line, sections)) for function, line in parsed.tests)
    # What a test printed goes after its whole code, which its docstring's
    # commentary may cut into several sections.
    last_lines = {node.name: node.end_lineno for node in parsed.tree.body
                  if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    tests_end = tuple((function, section_number(last_lines[function], sections)) for function, _ in parsed.tests)
    # After `inline` (20), which makes the code spans.
    citations = TestCitations(md, dict(tests))
    for_page(md, citations, "lp_test_citations", 5)
    rows, anchors = [], set()
    for number, section in enumerate(sections, start=1):
        report.enter(section)
        row, found = section_html(number, section, line_html, md, page.lang, citations)
        rows.append(row)
        anchors |= found
    downloads = downloads or {}
    body = PageBody(front_matter(
        title=html.escape(title, quote=False), lang=page.lang, source_path=page.repo_path,
        hide=["navigation", "toc"], downloads=download_links(page, downloads), **authors_meta(front),
        **({"about": True} if page.generator else {}),
    ), f'<div class="lp-page" lang="{page.lang}">\n', tuple(rows), tests, tests_end, frozenset(anchors),
        anchored_links=tuple(report.anchored_links))
    return RenderedPage(title, summary_html(summary, page, links), tuple(report.found), downloads, body,
                        parsed.facts, index_heading(parsed) if is_section_index(page) else None)


# What front matter says reaches the theme as the page's meta: its summary
# as the meta description, and the whole block as `front_matter`, for a
# theme's templates to read (`page.meta.front_matter.author`). Its keys do
# not become the page's own meta, where `template:` or `hide:` would change
# what MkDocs does with the page. MkDocs' templates print meta unescaped, so
# its text is escaped here, as titles are.
def authors_meta(front):
    if not front.values:
        return {}
    meta = {"front_matter": escaped(front.values)}
    if front.summary:
        meta["description"] = html.escape(front.summary)
    return meta


def escaped(value):
    if isinstance(value, dict):
        return {html.escape(str(key)): escaped(item) for key, item in value.items()}
    if isinstance(value, list):
        return [escaped(item) for item in value]
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    return html.escape(str(value))


# Every page offers its code as a `.py` file and as literate text, both
# written beside the page for MkDocs to copy, and named after its source
# (beside the Chinese page, `03_autograd_zh.py` and `03_autograd_zh.py.txt`). A
# code-first page's `.py` is its source, byte for byte, and its text is
# PyLit's. A text-first page's text is its source, and its `.py` the code
# PyLit made of it. A conversion that would not come back unchanged is
# reported; a code-first page then offers no literate text rather than a
# wrong one.
def page_downloads(page, read):
    """{file name beside the page: bytes}, and the warnings ((line, message) pairs) of making them."""
    name = download_name(page)
    if page.text_first:
        downloads = {f"{name}.py": read.code.encode("utf-8"), name + LITERATE_SUFFIX: read.data}
        try:
            check_same(read.text, code_to_literate_text(read.code), "text -> code -> text changes this line")
        except SourceError as error:
            return downloads, ((error.line, error.message),)
        return downloads, ()
    downloads = {f"{name}.py": read.data}
    try:
        downloads[name + LITERATE_SUFFIX] = code_to_literate_text(read.code).encode("utf-8")
    except SourceError as error:
        return downloads, ((error.line, f"{error.message}; the page offers no literate text"),)
    return downloads, ()


# The links are paths from the root of the page's language tree, which the
# theme prefixes with the way back to it from the page.
def download_links(page, downloads):
    name = download_name(page)
    links = {"code": f"{name}.py", "text": name + LITERATE_SUFFIX, "notebook": name + NOTEBOOK_SUFFIX}
    return {kind: name for kind, name in links.items() if name in downloads}
