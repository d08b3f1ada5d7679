"""Reading built pages: visible text, code columns, links."""

import collections
import html
import io
import re
import tokenize
from html.parser import HTMLParser

import build_docs
import literate.commentary
import literate.textfirst


class TextExtractor(HTMLParser):
    """The text a reader sees: no scripts, styles or math annotations."""

    HIDDEN = {"script", "style", "annotation", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in ("br", "p", "div", "li", "h1", "h2", "h3", "math", "pre"):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden -= 1
        elif tag in ("p", "div", "li", "math"):
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(page_html):
    extractor = TextExtractor()
    extractor.feed(page_html)
    return "".join(extractor.parts)


def squeeze(text):
    return re.sub(r"\s+", " ", text).strip()


def code_lines(page_html):
    """{line number: text} of every line in the page's code columns."""
    found = {}
    for number, inner in re.findall(r'<span class="lp-line" data-ln="(\d+)">(.*?)</span>\n', page_html):
        found[int(number)] = unescape_like_a_browser(re.sub(r"<[^>]+>", "", inner))
    return found


def text_of(html_line):
    """The characters a line of HTML holds, exactly: tags dropped, every character reference decoded
    (a browser shows `&#133;` as U+2026, as HTML says it must)."""
    text = re.sub(r"<[^>]+>", "", html_line)
    return html.unescape(re.sub(r"&#(\d+);", lambda reference: chr(int(reference.group(1))), text))


def unescape_like_a_browser(text):
    """html.unescape, except that `&#2;` is U+0002 as in a browser, not dropped."""
    control = re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))) if int(m.group(1)) < 32 else m.group(0), text)
    return html.unescape(control)


def code_rows_of(text):
    """Line numbers that hold any token that is not a comment or a string: real code,
    found by Python's own tokenizer, independently of the generator's parser."""
    rows = set()
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                              tokenize.DEDENT, tokenize.ENDMARKER, tokenize.STRING):
            rows.update(range(token.start[0], token.end[0] + 1))
    return rows


# The code a source's page shows: the file, or for a text-first source the
# code PyLit makes of it.
def shown_code(path):
    text = build_docs.read_source(path)
    return literate.textfirst.literate_text_to_code(text) if literate.textfirst.is_literate_text(path) else text


# The formulas of a source, read from its commentary (with code spans taken
# out: `$x$` in backticks is code, not math), and how often each appears.
CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)


def source_formulas(path):
    formulas = collections.Counter()
    for section in build_docs.parse_source(shown_code(path)):
        prose = CODE_SPAN.sub(" ", section.docs)
        for match in re.finditer(literate.commentary.MATH, prose):
            formulas[squeeze(match.group(match.lastgroup))] += 1
    return formulas


def tex_annotations(page_html):
    return [html.unescape(tex) for tex in
            re.findall(r'<annotation encoding="application/x-tex">(.*?)</annotation>', page_html, re.S)]
