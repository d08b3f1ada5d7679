"""
# Commentary: Markdown and TeX become HTML

Commentary is Markdown with TeX math, turned into HTML at build time.

In: a section's commentary, Markdown with TeX math. Out: its HTML, math as
MathML, and a report of every problem found in it.
"""

import html
import re
import textwrap
from xml.etree import ElementTree
from xml.sax import saxutils

import latex2mathml.converter
import markdown
import nh3
from markdown.inlinepatterns import HTML_RE, InlineProcessor

from literate.conventions import SPHINX_MATH_ROLE, LineBreaks, SphinxRoles, docstring_sections


# Commentary is Markdown with TeX math. Math is turned into MathML here, at
# build time, by `latex2mathml`: browsers draw MathML themselves, so a page
# needs no script and no CDN to show a formula. Chromium, Safari and Firefox
# expose MathML to screen readers, which speak its structure; the TeX source
# travels with it as its `alttext`, the text alternative MathML defines for
# readers that cannot speak MathML, and as an annotation, for copying. (An
# `aria-label` would hide the structure from the readers that can speak it.)
#
# Math is found by a Markdown inline pattern, not by a search over the raw
# text, so `$` inside `code spans` stays code. `$...$` follows Pandoc's rule
# (no space just inside the dollars, no digit just after) so that prices in
# prose are not mistaken for math.
MATH = (
    r"\$\$(?P<dd>.+?)\$\$"
    r"|\\\[(?P<db>.+?)\\\]"
    r"|\\\((?P<ip>.+?)\\\)"
    r"|(?<![\\$])\$(?P<id>[^\s$](?:[^$]*?[^\s$\\])?)\$(?!\d)"
)


# latex2mathml keeps characters as entity text (`&#x0003C;`) and unescapes
# its output, so what `\text{}` holds would arrive as markup: a `<` in it is
# escaped here first, and shows as `<`.
def tex_to_mathml(tex, display):
    element = latex2mathml.converter.convert_to_element(tex.strip(), display="block" if display else "inline")
    for node in element.iter():
        if node.text:
            node.text = node.text.replace("<", "&lt;").replace(">", "&gt;")
    mathml = saxutils.unescape(ElementTree.tostring(element, encoding="unicode"))
    if re.search(r">\\[A-Za-z]", mathml):
        raise ValueError("unknown command " + re.search(r">(\\[A-Za-z]+)", mathml).group(1))
    head, body = mathml.split(">", 1)
    body = body[: -len("</math>")]
    source = html.escape(tex.strip())
    annotation = f'<annotation encoding="application/x-tex">{source}</annotation>'
    return f'{head} alttext="{source}"><semantics>{body}{annotation}</semantics></math>'


# Math that cannot be rendered is shown as its TeX source, marked as an
# error, and reported; it is never dropped. Each report quotes the text it
# is about, so that the warning can name its source line.
class MathPattern(InlineProcessor):
    def __init__(self, md, report, pattern=MATH):
        super().__init__(pattern, md)
        self.report = report

    def handleMatch(self, match, data):
        kind = match.lastgroup
        tex = match.group(kind)
        try:
            rendered = tex_to_mathml(tex, display=kind in ("dd", "db"))
        except Exception as error:  # latex2mathml raises many kinds
            self.report(f"cannot render math {match.group(0)!r}: {error or type(error).__name__}", match.group(0))
            rendered = f'<code class="lp-math-error">{html.escape(match.group(0))}</code>'
        return self.md.htmlStash.store(rendered), match.start(0), match.end(0)


# A `$$` left over once every formula has been taken is one without its
# partner: it stays as written, and the author hears of it.
class UnbalancedMathPattern(InlineProcessor):
    def __init__(self, md, report):
        super().__init__(r"(?<!\\)\$\$", md)
        self.report = report

    def handleMatch(self, match, data):
        rest_of_line = re.split(f"[\n{markdown.util.STX}]", data[match.start(0):])[0]  # up to a placeholder
        self.report(f"unbalanced $$: {rest_of_line!r} has no closing $$", rest_of_line)
        return "$$", match.start(0), match.end(0)


# Raw HTML in commentary is shown as text, with a warning: an unclosed
# `<div>` in a comment must not be able to break the page around it, and a
# `<script>` must not run. (Markdown covers what commentary needs; `&amp;`
# and the like are still read as characters.)
class RawHtmlPattern(InlineProcessor):
    def __init__(self, md, report):
        super().__init__(HTML_RE, md)
        self.report = report

    def handleMatch(self, match, data):
        self.report(f"raw HTML is shown as text: {match.group(0)!r}", match.group(0))
        return match.group(0), match.start(0), match.end(0)


class CommentaryExtension(markdown.Extension):
    def __init__(self, report):
        super().__init__()
        self.report = report

    def extendMarkdown(self, md):
        # Above `backtick` (190) would break code spans; above `escape` (180)
        # keeps `\(` and `\[` from being read as escaped brackets.
        md.inlinePatterns.register(MathPattern(md, self.report), "math", 185)
        # Sphinx's ``:math:`x` `` is inline math; above `backtick` (190), which
        # would take its backticks for a code span.
        md.inlinePatterns.register(MathPattern(md, self.report, SPHINX_MATH_ROLE), "math_role", 196)
        md.inlinePatterns.register(UnbalancedMathPattern(md, self.report), "unbalanced_math", 184)
        # Block-level HTML then reaches the inline patterns as a paragraph.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.register(RawHtmlPattern(md, self.report), "html", 90)


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
def make_markdown(report, line_breaks="join"):
    md = markdown.Markdown(
        extensions=["abbr", "def_list", "fenced_code", "footnotes", "tables", "admonition", "sane_lists",
                    "codehilite", CommentaryExtension(report), LineBreaks(line_breaks), SphinxRoles()],
        extension_configs={"codehilite": {"css_class": "highlight", "guess_lang": False},
                           "tables": {"use_align_attribute": True}},
    )
    md.report = report
    return md


# Markdown recurses once per level of nesting; a comment of a thousand
# nested `>` or `*` is shown as plain text rather than stopping the build.
def render_commentary(text, md):
    md.reset()
    try:
        return sanitize(md.convert(translate_series_conventions(docstring_sections(text))))
    except RecursionError:
        md.report("commentary nested too deeply for Markdown; shown as plain text", text)
        return "<p>" + html.escape(text).replace("\n", "<br />\n") + "</p>"


# ## Nothing a source says can run
#
# Whatever Markdown and TeX make of a comment, the page gets only what an
# allow-list keeps (nh3, a binding of the Rust sanitizer ammonia): the tags
# and attributes our Markdown extensions and latex2mathml produce, and no
# others. No `on...` handler, no `style`, no `id` but a footnote's; links
# and images lead only to http, https, mailto or a relative address.
# MathML keeps its presentation attributes and loses `href`, `class` and
# `style`, which `\href`, `\class` and `\style` would carry from TeX. A
# `<script>` or `<style>` goes with its content; any other tag not listed
# leaves its text. The allow-list is made into a sanitizer once: made
# afresh for each piece of commentary (`nh3.clean`), making it was most
# of the time each piece took to clean.
MATHML_TAGS = {"math", "semantics", "annotation", "menclose", "mfrac", "mi", "mn", "mo", "mover", "mpadded",
               "mphantom", "mroot", "mrow", "mspace", "msqrt", "mstyle", "msub", "msubsup", "msup", "mtable",
               "mtd", "mtext", "mtr", "munder", "munderover"}
MATHML_ATTRIBUTES = {"accent", "accentunder", "columnalign", "columnlines", "columnspacing", "depth", "display",
                     "displaystyle", "fence", "form", "height", "largeop", "linebreak", "linethickness", "lspace",
                     "mathbackground", "mathcolor", "mathsize", "mathvariant", "maxsize", "minsize",
                     "movablelimits", "notation", "rowlines", "rowspacing", "rspace", "scriptlevel", "separator",
                     "stretchy", "symmetric", "voffset", "width"}
HTML_ATTRIBUTES = {
    "a": {"href", "title", "class"}, "abbr": {"title"}, "img": {"src", "alt", "title"}, "ol": {"start"},
    "th": {"align"}, "td": {"align"}, "sup": {"id"}, "li": {"id"},  # footnotes: fnref:1 and fn:1
    "div": {"class"}, "p": {"class"}, "code": {"class"},
    "span": {"class", "lang", "data-search-exclude"},  # a test citation's mark: English, not searched
}
HTML_TAGS = {"a", "abbr", "blockquote", "br", "code", "dd", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5",
             "h6", "hr", "img", "li", "ol", "p", "pre", "span", "strong", "sup", "table", "tbody", "td", "th",
             "thead", "tr", "ul"}
COMMENTARY_ATTRIBUTES = {**HTML_ATTRIBUTES, **{tag: set(MATHML_ATTRIBUTES) for tag in MATHML_TAGS},
                         "math": MATHML_ATTRIBUTES | {"xmlns", "alttext"}, "annotation": {"encoding"}}


ALLOW_LIST = nh3.Cleaner(tags=HTML_TAGS | MATHML_TAGS, attributes=COMMENTARY_ATTRIBUTES,
                        clean_content_tags={"script", "style"}, url_schemes={"http", "https", "mailto"},
                        link_rel=None)


def sanitize(fragment):
    return ALLOW_LIST.clean(fragment)
