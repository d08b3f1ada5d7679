"""Nothing a source says can run on the site.

Known injection vectors go into a source as commentary of every kind: a
comment block, a docstring, the page title (`# Title` in the module
docstring) with the summary under it, a chapter's introduction, and math.
The site is built as an author builds it, and every HTML file of it is
parsed: no element, attribute or URL that could run a script may come from
them. Rendering what commentary is for (formulas, admonitions, permalinks,
code spans, links) is checked on the same site.
"""

import re
import subprocess
import sys
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from literate.commentary import MATHML_TAGS, make_markdown, render_commentary
from support import ROOT, project_config


# Each vector calls alert(): its number says which one ran, were one to run.
VECTORS = [
    'A paragraph.\n{: onclick="alert(1)" }',  # attr_list on a block
    "[link](javascript:alert(2))",
    '![img](x.png){: onerror="alert(3)" }',  # attr_list on an image
    '[x](https://example.org){: onclick="alert(4)" }',
    '## A heading {: #top onclick="alert(5)" }',
    "[x](JaVaScRiPt:alert(6))",
    "[x](javascript&#58;alert(7))",
    "[x](java&#x09;script:alert(8))",
    "[x](  javascript:alert(9))",
    "[x](<javascript:alert(10)>)",
    '[x](javascript:alert(11) "a title")',
    "![x](javascript:alert(12))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMTMpPjwvc3ZnPg==)",
    "[x](data:text/html,<script>alert(14)</script>)",
    "[x](vbscript:msgbox(15))",
    "[x][ref]\n\n[ref]: javascript:alert(16)",
    "<javascript:alert(17)>",
    "<script>alert(18)</script>",
    "<img src=x onerror=alert(19)>",
    "<svg onload=alert(20)></svg>",
    '<a href="javascript:alert(21)">x</a>',
    '<iframe src="javascript:alert(22)"></iframe>',
    "<style>body { display: none }</style>",
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(24)>',  # mutation XSS
    '!!! note "<img src=x onerror=alert(25)>"\n    An admonition.',
    "A note[^1].\n\n[^1]: [x](javascript:alert(26))",
    '*[ABBR]: " onmouseover="alert(27)\n\nABBR here.',
    "&#91;x&#93;(javascript:alert(28))",  # a link only once Markdown reads it twice
    r"\\[x\\](javascript:alert(29))",
    "<link javascript:alert(30) link>",  # the series' "Related Link"
    r"$\href{javascript:alert(31)}{x}$",
    r"$$\href{javascript:alert(32)}{y}$$",
    r"$\style{background: url(javascript:alert(33))}{x}$",
    r"$\class{md-header}{x}$ $\style{position: fixed}{y}$",
    r"$\text{<img src=x onerror=alert(35)>}$",
    r"$\text{</math><img src=x onerror=alert(36)>}$",
    r'$\color{red" onmouseover="alert(37)}{x}$',
    r"$\id{x}{y}$ $\data{onclick=alert(39)}{y}$",
]

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "data", "background", "srcset",
                  "cite", "longdesc", "ping", "manifest", "codebase"}
SAFE_SCHEMES = {"", "http", "https", "mailto"}
NEVER_IN_CONTENT = {"script", "style", "iframe", "frame", "object", "embed", "svg", "form", "input", "button",
                    "base", "meta", "link", "template", "mglyph", "textarea", "select", "video", "audio"}


def comment(text):
    return "".join(f"# {line}\n" if line else "#\n" for line in text.split("\n"))


def docstring(text):
    return '    """\n' + "".join(f"    {line}\n" if line else "\n" for line in text.split("\n")) + '    """\n'


def vectors_source():
    parts = ['"""\n# Injection vectors\n\nEvery vector, in a comment and in a docstring.\n"""\n\n']
    for number, vector in enumerate(VECTORS):
        parts.append(f"{comment(vector)}x_{number} = {number}\n\n\ndef f_{number}():\n"
                     f"{docstring(vector)}    return {number}\n\n\n")
    return "".join(parts)


# A title is one line: each vector whose first line can be one opens a
# module docstring, over the whole vector as the summary.
def title_source(vector):
    first = vector.split("\n")[0]
    return f'"""\n# {first}\n\n{vector}\n"""\n\nx = 1\n'


RENDERS = '''"""
# What commentary is for

It still renders: $a_1 + b^2$ inline, $$\\sum_i x_i$$ on its own,
a `code span`, [a link](https://example.org/page), [a relative one](../other/),
[mail](mailto:someone@example.org) and an image ![a cat](cat.png).

!!! note "A note"
    Admonitions render.

| left | right |
|:-----|------:|
| 1    | 2     |
"""

x = 1
'''


def build_vector_site(work):
    """A site built as an author builds it, from a chapter of vectors, in
    `work`; its folder."""
    chapter = work / "source" / "01_vectors"
    chapter.mkdir(parents=True)
    intro = "\n\n".join(VECTORS).replace('"""', "'''")
    (chapter / "__init__.py").write_text(f'"""\n# Vectors\n\n{intro}\n"""\n', encoding="utf-8")
    (chapter / "vectors.py").write_text(vectors_source(), encoding="utf-8")
    (chapter / "renders.py").write_text(RENDERS, encoding="utf-8")
    for number, vector in enumerate(VECTORS):
        (chapter / f"title_{number}.py").write_text(title_source(vector), encoding="utf-8")
    (chapter / "untranslated_zh.py").write_text(title_source(VECTORS[1]), encoding="utf-8")  # gets a notice
    # Without the generator's pages (project_config's default): they would hold no vector but in the
    # navigation, which every page of the vectors' shows.
    settings = project_config(work)
    result = subprocess.run([sys.executable, str(ROOT / "build_docs.py"), "--config", str(settings), "--source", "source",
                             "--site-dir", "site", "--cache-dir", "cache", "--no-run"], cwd=work, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    return work / "site"


@pytest.fixture
def site(vector_site):
    return vector_site


class Elements(HTMLParser):
    """Every element of a page: (tag, attributes, inside the page's content, the text of a <script>).

    The page's actions (`nav.lp-actions`, the theme's buttons with Material's
    icons) are the template's, not content: they come before the page's
    body (`div.lp-page`), where everything a source says is."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements, self.depth, self.script = [], 0, None
        self.actions, self.in_body = None, False  # the depth of the page's actions, while inside them

    def in_content(self):
        return self.depth > 0 and self.actions is None

    def handle_starttag(self, tag, attrs):
        if self.depth or (tag == "article"):
            self.depth += tag not in VOID
        classes = (dict(attrs).get("class") or "").split()
        self.in_body = self.in_body or (tag == "div" and "lp-page" in classes)
        if self.depth and not self.in_body and self.actions is None and tag == "nav" and "lp-actions" in classes:
            self.actions = self.depth
        self.elements.append([tag, attrs, self.in_content(), ""])
        if tag == "script":
            self.script = self.elements[-1]

    def handle_startendtag(self, tag, attrs):
        self.elements.append([tag, attrs, self.in_content(), ""])

    def handle_endtag(self, tag):
        if self.depth and tag not in VOID:
            if self.actions == self.depth:
                self.actions = None
            self.depth -= 1
        if tag == "script":
            self.script = None

    def handle_data(self, data):
        if self.script is not None:
            self.script[3] += data


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def elements(path):
    parser = Elements()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser.elements


def pages(site):
    return sorted(site.rglob("*.html"))


def test_the_vectors_are_many_and_each_reaches_a_page(site):
    assert len(VECTORS) >= 25
    names = {path.parent.name for path in pages(site)}
    assert {f"title_{number}" for number in range(len(VECTORS))} <= names
    assert {"vectors", "renders", "untranslated"} <= names


def test_no_event_handler_anywhere(site):
    found = [(path.relative_to(site).as_posix(), tag, name, value) for path in pages(site)
             for tag, attrs, _, _ in elements(path) for name, value in attrs if name.startswith("on")]
    assert found == []


def test_every_url_is_http_https_mailto_or_relative(site):
    found = []
    for path in pages(site):
        for tag, attrs, _, _ in elements(path):
            for name, value in attrs:
                if name in URL_ATTRIBUTES and value is not None:
                    # Browsers drop tabs, newlines and leading control characters from a URL.
                    url = re.sub(r"[\t\n\r]", "", value).lstrip("\x00\x01\x02\x03\x04\x05\x06\x07\x08 \x0b\x0c")
                    for candidate in url.split(",") if name == "srcset" else [url]:
                        if urlsplit(candidate.strip()).scheme.lower() not in SAFE_SCHEMES:
                            found.append((path.relative_to(site).as_posix(), tag, name, value))
    assert found == []


def test_no_style_and_no_active_element_in_the_content(site):
    found = []
    for path in pages(site):
        for tag, attrs, in_content, _ in elements(path):
            names = {name for name, _ in attrs}
            if in_content and (tag in NEVER_IN_CONTENT or "style" in names):
                found.append((path.relative_to(site).as_posix(), tag, sorted(names)))
    assert found == []


def test_no_script_of_the_theme_holds_a_vector(site):
    found = [(path.relative_to(site).as_posix(), text[:80]) for path in pages(site)
             for tag, _, _, text in elements(path) if tag == "script" and "alert(" in text]
    assert found == []


def test_mathml_carries_no_link_class_or_id(site):
    mathml = set(MATHML_TAGS)
    found = [(path.relative_to(site).as_posix(), tag, name) for path in pages(site)
             for tag, attrs, _, _ in elements(path) if tag in mathml
             for name, _ in attrs if name in {"href", "class", "id", "style"} or name.startswith("data")]
    assert found == []


def test_what_commentary_is_for_still_renders(site):
    page = site / "vectors" / "renders" / "index.html"
    body, tags = page.read_text(encoding="utf-8"), elements(page)
    assert body.count("<math") == 2 and '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block"' in body
    assert "<msub><mi>a</mi><mn>1</mn></msub>" in body
    assert '<div class="admonition note">' in body and '<p class="admonition-title">A note</p>' in body
    assert "<code>code span</code>" in body
    links = {dict(attrs).get("href") for tag, attrs, in_content, _ in tags if tag == "a" and in_content}
    assert {"https://example.org/page", "../other/", "mailto:someone@example.org", "#section-1"} <= links
    assert ("img", [("alt", "a cat"), ("src", "cat.png")]) in [(tag, attrs) for tag, attrs, *_ in tags]
    assert '<th align="left">left</th>' in body and '<td align="right">2</td>' in body


def test_a_link_that_markdown_would_read_twice_stays_text_on_the_home_page(site):
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "javascript:alert(28)" not in [dict(attrs).get("href") for tag, attrs, *_ in elements(site / "index.html")]
    assert "[x](javascript:alert(28))" in re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))), home)


@pytest.mark.quick
@pytest.mark.parametrize("vector", VECTORS)
def test_sanitize_keeps_no_vector_live(vector):
    md = make_markdown(lambda message, quote: None)
    parser = Elements()
    parser.depth = 1  # all of it is content
    parser.feed(render_commentary(vector, md))
    for tag, attrs, _, text in parser.elements:
        assert tag not in NEVER_IN_CONTENT, (tag, attrs)
        for name, value in attrs:
            assert not name.startswith("on") and name != "style", (tag, name, value)
            if name in URL_ATTRIBUTES:
                assert urlsplit(value.strip()).scheme.lower() in SAFE_SCHEMES, (tag, name, value)
