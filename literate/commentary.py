"""
# Commentary: Markdown and TeX become HTML

Commentary is Markdown with TeX math, turned into HTML at build time.

In: a section's commentary, Markdown with TeX math. Out: its HTML, math as
MathML, and a report of every problem found in it.
"""

import functools
import html
import re
import textwrap
import threading
from xml.etree import ElementTree

import markdown
import nh3
from markdown.inlinepatterns import HTML_RE, InlineProcessor
from markdown.preprocessors import Preprocessor

from literate.conventions import SPHINX_MATH_ROLE, LineBreaks, SphinxRoles, docstring_sections
from literate.tex import MATHML_TAGS, tex_to_mathml


# Commentary is Markdown with TeX math, turned into MathML at build time
# ("tex"). Chromium, Safari and Firefox expose MathML to screen readers,
# which speak its structure; the TeX source travels with it. (An
# `aria-label` would hide the structure from the readers that can speak it.)
#
# Inline math is found by a Markdown inline pattern, not by a search over the
# raw text, so `$` inside `code spans` stays code. `$...$` follows Pandoc's
# rule (no space just inside the dollars, no digit just after) so that
# prices in prose are not mistaken for math.
MATH = (
    r"\$\$(?P<dd>.+?)\$\$"
    r"|\\\[(?P<db>.+?)\\\]"
    r"|\\\((?P<ip>.+?)\\\)"
    r"|(?<![\\$])\$(?P<id>[^\s$](?:[^$]*?[^\s$\\])?)\$(?!\d)"
)


# Math that cannot be rendered is shown as its TeX source, marked as an
# error, and reported; it is never dropped. Each report quotes the text it
# is about, so that the warning can name its source line.
class MathPattern(InlineProcessor):
    def handleMatch(self, match, data):
        return stash_math(self.md, match), match.start(0), match.end(0)


# A formula written again, on a page or on any other that this process
# renders, is converted once: its MathML depends on its TeX and on whether
# it is displayed, on nothing else, and a series writes the same formulas
# on many pages (a third of labml-nn's are written more than once). One
# that cannot be rendered is tried, and reported, wherever it is written.
@functools.lru_cache(maxsize=4096)
def mathml_of(tex, display):
    return tex_to_mathml(tex, display)


def stash_math(md, match):
    kind = match.lastgroup
    try:
        rendered = mathml_of(match.group(kind), kind not in ("ip", "id", "role"))
    except Exception as error:  # latex2mathml raises many kinds
        md.report(f"cannot render math {match.group(0)!r}: {str(error) or type(error).__name__}", match.group(0))
        rendered = f'<code class="lp-math-error">{html.escape(match.group(0))}</code>'
    return md.htmlStash.store(rendered)


# Display math is taken out before Markdown reads blocks: a formula over
# several lines is one formula, whatever its lines start with (`+ `, `- `,
# `1. `, `#`, `>` would otherwise start a list, a heading or a quote), and
# its `_` and `*` are never emphasis. Like a paragraph, it ends at a blank
# line: a `$$` without its partner there is reported, not paired with one
# paragraphs away. `\begin{align}` and its kin stand
# for display math on their own, as they do in KaTeX's and MathJax's
# pages. Fenced code is stashed by then, and a code span is skipped over,
# so `$$` in code stays code.
ENVIRONMENTS = r"(?:align|equation|gather|multline|alignat|eqnarray)\*?"
WITHIN_A_BLOCK = r"(?:(?!\n[ \t]*\n).)+?"  # neither math nor a code span crosses a blank line
DISPLAY_MATH = re.compile(
    rf"(?P<code>(?<!`)(?P<ticks>`+)(?!`){WITHIN_A_BLOCK}(?<!`)(?P=ticks)(?!`))"
    rf"|\$\$(?P<dd>{WITHIN_A_BLOCK})\$\$"
    rf"|\\\[(?P<db>{WITHIN_A_BLOCK})\\\]"
    rf"|(?P<env>\\begin\{{(?P<name>{ENVIRONMENTS})\}}{WITHIN_A_BLOCK}\\end\{{(?P=name)\}})",
    re.S,
)


class DisplayMath(Preprocessor):
    def run(self, lines):
        def replace(match):
            return match.group(0) if match["code"] else stash_math(self.md, match)

        return DISPLAY_MATH.sub(replace, "\n".join(lines)).split("\n")


# A `$$` left over once every formula has been taken is one without its
# partner: it stays as written, and the author hears of it.
class UnbalancedMathPattern(InlineProcessor):
    def handleMatch(self, match, data):
        rest_of_line = re.split(f"[\n{markdown.util.STX}]", data[match.start(0):])[0]  # up to a placeholder
        self.md.report(f"unbalanced $$: {rest_of_line!r} has no closing $$", rest_of_line)
        return "$$", match.start(0), match.end(0)


# Raw HTML in commentary is shown as text, with a warning: an unclosed
# `<div>` in a comment must not be able to break the page around it, and a
# `<script>` must not run. (Markdown covers what commentary needs; `&amp;`
# and the like are still read as characters.) The warning comes once per
# page and tag, at its first line: a file that writes `<b>` fifty times is
# told once (`md.reported_tags`, a page's own; see `make_markdown`).
class RawHtmlPattern(InlineProcessor):
    def handleMatch(self, match, data):
        tag = re.match(r"</?([A-Za-z][\w-]*)|<!--", match.group(0)).group(1) or "<!--"
        if tag.lower() not in self.md.reported_tags:
            self.md.reported_tags.add(tag.lower())
            self.md.report(f"raw HTML is shown as text: {match.group(0)!r}", match.group(0))
        return match.group(0), match.start(0), match.end(0)


# An empty `<a id="Name"></a>` (or `name=`) is how annotated series mark a
# link target, often on the line above a heading: it stays, as an anchor
# that `#Name` reaches, from this page and from others. Nothing else of raw
# HTML does; the sanitizer keeps `id` and `name` on `a` only with such
# values.
ANCHOR_NAME = r"[A-Za-z][\w-]*"
ANCHOR = rf"""<a\s+(?P<attribute>id|name)\s*=\s*(?P<quote>["'])(?P<name>{ANCHOR_NAME})(?P=quote)\s*>\s*</a>"""


class AnchorPattern(InlineProcessor):
    def handleMatch(self, match, data):
        anchor = ElementTree.Element("a", {match["attribute"]: match["name"]})
        return anchor, match.start(0), match.end(0)


class CommentaryExtension(markdown.Extension):
    def extendMarkdown(self, md):
        # Above `backtick` (190) would break code spans; above `escape` (180)
        # keeps `\(` and `\[` from being read as escaped brackets.
        # After fenced code (25), before lists are read from lines (24).
        md.preprocessors.register(DisplayMath(md), "display_math", 24.5)
        md.inlinePatterns.register(MathPattern(MATH, md), "math", 185)
        # Sphinx's ``:math:`x` `` is inline math; above `backtick` (190), which
        # would take its backticks for a code span.
        md.inlinePatterns.register(MathPattern(SPHINX_MATH_ROLE, md), "math_role", 196)
        md.inlinePatterns.register(UnbalancedMathPattern(r"(?<!\\)\$\$", md), "unbalanced_math", 184)
        # Block-level HTML then reaches the inline patterns as a paragraph.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.register(RawHtmlPattern(HTML_RE, md), "html", 90)
        md.inlinePatterns.register(AnchorPattern(ANCHOR, md), "anchor", 91)


# The tutorial series our seed page comes from writes a few things its own
# way; we read them so that its authors can bring their files unchanged:
# `<link URL link>` is a link titled "Related Link", and a docstring that
# starts `**Title**:` over an indented body is a bold title over that body
# (plain Markdown would make the body a code block). ``` ``x`` ``` is
# already inline code in Markdown.
SERIES_LINK = re.compile(r"<link\s+(\S+?)\s+link>")
SERIES_TITLE = re.compile(r"^(?:\*\*(?P<title>.+?)\*\*|(?P<plain>[A-Z][A-Za-z ]{0,30}))\s*[:：]\s*$")


def translate_series_conventions(text):
    text = SERIES_LINK.sub(r"[Related Link](\1)", text)
    lines, out = text.split("\n"), []
    index = 0
    while index < len(lines):
        title = SERIES_TITLE.match(lines[index])
        index += 1
        # A plain `Overview:` is a title only over an indented body.
        if not title or title["plain"] and not (index < len(lines) and lines[index][:1] in (" ", "\t")):
            out.append(lines[index - 1])
            continue
        body_end = index
        while body_end < len(lines) and (not lines[body_end].strip() or lines[body_end][:1] in " \t"):
            body_end += 1
        out += [f"**{title['title'] or title['plain']}**", ""]
        out.extend(textwrap.dedent("\n".join(lines[index:body_end])).split("\n"))
        index = body_end
    return "\n".join(out)


# Lines join into paragraphs, with no space between two Chinese characters,
# and lists, docstring sections and Sphinx roles read as the series writes
# them (`literate/conventions.py`); `line_breaks="keep"` keeps every break.
# `report(message, quote)` hears of every problem in the commentary.
#
# These are Markdown Extra's extensions but two: `attr_list` would let a
# comment set any attribute (`{: onclick="..." }`), and `md_in_html` reads
# HTML blocks, which commentary shows as text. Tables align their columns
# with `align`, since the sanitizer takes every `style` away.
#
# Making a Markdown object with all these takes longer than converting a
# short comment, and every page needs one, two with its summary. So a
# process keeps one for each setting of line breaks, and `make_markdown`
# hands it to the page that asks, as new: reporting to that page, with no
# tag reported yet, and without the tree processors the page before it
# added for itself (`for_page`). A page uses it until another asks. Each
# thread has its own: a Markdown object converts one text at a time.
def make_markdown(report, line_breaks="join"):
    md = kept_markdown(line_breaks, threading.get_ident())
    for name in md.pages_treeprocessors:
        md.treeprocessors.deregister(name, strict=False)
    md.pages_treeprocessors, md.report, md.reported_tags = [], report, set()
    md.reset()
    return md


@functools.lru_cache(maxsize=16)
def kept_markdown(line_breaks, thread):
    md = markdown.Markdown(
        extensions=["abbr", "def_list", "fenced_code", "footnotes", "tables", "admonition", "sane_lists",
                    "codehilite", CommentaryExtension(), LineBreaks(line_breaks), SphinxRoles()],
        extension_configs={"codehilite": {"css_class": "highlight", "guess_lang": False},
                           "tables": {"use_align_attribute": True}},
    )
    md.pages_treeprocessors, md.line_breaks = [], line_breaks
    return md


def for_page(md, processor, name, priority):
    """Registers a page's own tree processor on the Markdown object `make_markdown` gave it."""
    md.treeprocessors.register(processor, name, priority)
    md.pages_treeprocessors.append(name)


# Most commentary is a sentence or two of plain prose: letters, digits,
# spaces and everyday punctuation, each line starting with a letter and
# none ending in a space, perhaps under a heading (`## Title`). Markdown
# makes a heading of each such line, a paragraph of each run of the
# others, and changes nothing in them; the sanitizer finds nothing to
# take. So such commentary becomes those headings and paragraphs without
# Markdown, which costs a page far more than the prose it converts
# (`tests/test_render_work.py` checks that the two agree). Where lines are
# kept as written (`line_breaks: keep`), Markdown does it all.
PLAIN_LINE = r"(?:#{1,6} )?[A-Za-z](?:[A-Za-z0-9 .,;:?!'\"()/+=%@-]*[A-Za-z0-9.,;:?!'\"()/+=%@-])?"
PLAIN_PROSE = re.compile(rf"{PLAIN_LINE}(?:\n\n?{PLAIN_LINE})*", re.ASCII)


def plain_prose_html(source):
    blocks, paragraph = [], []
    for line in source.split("\n") + [""]:
        level = len(line) - len(line.lstrip("#"))
        if (level or not line) and paragraph:
            blocks.append("<p>" + "\n".join(paragraph) + "</p>")
            paragraph = []
        if level:
            blocks.append(f"<h{level}>{line[level + 1:]}</h{level}>")
        elif line:
            paragraph.append(line)
    return "\n".join(blocks)


# Markdown recurses once per level of nesting; a comment of a thousand
# nested `>` or `*` is shown as plain text rather than stopping the build.
def render_commentary(text, md):
    try:
        source = translate_series_conventions(docstring_sections(text))
        if md.line_breaks == "join" and PLAIN_PROSE.fullmatch(source):
            return plain_prose_html(source)
        md.reset()
        return sanitize(md.convert(source))
    except RecursionError:
        md.report("commentary nested too deeply for Markdown; shown as plain text", text)
        return "<p>" + html.escape(text).replace("\n", "<br />\n") + "</p>"


# ## Nothing a source says can run
#
# Whatever Markdown and TeX make of a comment, the page gets only what an
# allow-list keeps (nh3, a binding of the Rust sanitizer ammonia): the tags
# and attributes our Markdown extensions and latex2mathml produce, and no
# others. No `on...` handler, no `style`, no `id` but a footnote's and an
# anchor's (whose `id` or `name` must be a name, `[A-Za-z][\w-]*`); links
# and images lead only to http, https, mailto or a relative address.
# MathML keeps its presentation attributes and loses `href`, `class` and
# `style`, which `\href`, `\class` and `\style` would carry from TeX. A
# `<script>` or `<style>` goes with its content; any other tag not listed
# leaves its text. The allow-list is made into a sanitizer once: made
# afresh for each piece of commentary (`nh3.clean`), making it was most
# of the time each piece took to clean.
MATHML_ATTRIBUTES = {"accent", "accentunder", "columnalign", "columnlines", "columnspacing", "depth", "display",
                     "displaystyle", "fence", "form", "height", "largeop", "linebreak", "linethickness", "lspace",
                     "mathbackground", "mathcolor", "mathsize", "mathvariant", "maxsize", "minsize",
                     "movablelimits", "notation", "rowlines", "rowspacing", "rspace", "scriptlevel", "separator",
                     "stretchy", "symmetric", "voffset", "width"}
HTML_ATTRIBUTES = {
    "a": {"href", "title", "class", "id", "name"}, "abbr": {"title"}, "img": {"src", "alt", "title"}, "ol": {"start"},
    "th": {"align"}, "td": {"align"}, "sup": {"id"}, "li": {"id"},  # footnotes: fnref:1 and fn:1
    "div": {"class"}, "p": {"class"}, "code": {"class"},
    "span": {"class"},
}
HTML_TAGS = {"a", "abbr", "blockquote", "br", "code", "dd", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5",
             "h6", "hr", "img", "li", "ol", "p", "pre", "span", "strong", "sup", "table", "tbody", "td", "th",
             "thead", "tr", "ul"}
COMMENTARY_ATTRIBUTES = {**HTML_ATTRIBUTES, **{tag: set(MATHML_ATTRIBUTES) for tag in MATHML_TAGS},
                         "math": MATHML_ATTRIBUTES | {"xmlns", "alttext"}, "annotation": {"encoding"}}


def anchor_names_only(tag, attribute, value):
    if tag == "a" and attribute in ("id", "name"):
        return value if re.fullmatch(ANCHOR_NAME, value, re.ASCII) else None
    return value


ALLOW_LIST = nh3.Cleaner(tags=HTML_TAGS | MATHML_TAGS, attributes=COMMENTARY_ATTRIBUTES,
                        attribute_filter=anchor_names_only, clean_content_tags={"script", "style"},
                        url_schemes={"http", "https", "mailto"}, link_rel=None)


def sanitize(fragment):
    return ALLOW_LIST.clean(fragment)
