"""Rendering commentary and code: math, the series' conventions, highlighting."""

import html
import re

import build_docs
import literate.commentary
import literate.highlight


def render(text, line_breaks="join"):
    warnings = []
    md = literate.commentary.make_markdown(lambda message, quote: warnings.append(message), line_breaks)
    return literate.commentary.render_commentary(text, md), warnings


def test_every_math_delimiter_becomes_mathml():
    out, warnings = render(r"a $$x^2$$ b $y_1$ c \(z\) d \[w\]")
    assert out.count("<math") == 4 and warnings == []
    assert out.count('display="block"') == 2 and out.count('display="inline"') == 2
    assert "$" not in re.sub(r"<annotation.*?</annotation>", "", out)


def test_math_keeps_its_tex_as_an_annotation():
    out, _ = render(r"$$output = input \cdot weight^T + bias$$")
    assert r'<annotation encoding="application/x-tex">output = input \cdot weight^T + bias</annotation>' in out


def test_dollars_in_prose_and_code_spans_are_not_math():
    out, _ = render("Costs $5 and $6, see `$x$` and ``$$y$$``.")
    assert "<math" not in out
    assert "<code>$x$</code>" in out and "<code>$$y$$</code>" in out


def test_underscores_in_math_are_not_emphasis():
    out, _ = render("$a_1 + b_2$ and $c_3$")
    assert "<em>" not in out


def test_unrenderable_math_is_shown_as_source_with_a_warning():
    out, warnings = render(r"$$\notacommand x$$")
    assert r"$$\notacommand x$$" in html.unescape(out) and "<math" not in out
    assert warnings and "notacommand" in warnings[0]


def test_line_breaks_are_kept_when_the_site_says_so():
    out, _ = render("第一行\n第二行", line_breaks="keep")
    assert "第一行<br />\n第二行" in out


def test_series_title_over_indented_body():
    out, _ = render("**Overview**:\n    The body,\n    two lines.")
    assert "<p><strong>Overview</strong></p>\n<p>The body,\ntwo lines.</p>" in out
    assert "<pre>" not in out


def test_series_link_and_double_backticks():
    out, _ = render("See ``torch.autograd.Function`` <link https://example.org/a#b link>.")
    assert '<code>torch.autograd.Function</code> <a href="https://example.org/a#b">Related Link</a>' in out


def test_highlighting_keeps_every_line_and_escapes_html():
    lines = ['s = """</script>', "<!-- {{ x }} {% y %} &amp;", '"""', "x = 1"]
    rendered = literate.highlight.highlight_code(lines)
    assert len(rendered) == len(lines)
    assert [html.unescape(re.sub(r"<[^>]+>", "", line)) for line in rendered] == lines
    assert "</script>" not in "".join(rendered)


def test_tabs_and_markdown_placeholders_reach_the_page_as_written():
    # MkDocs runs pages through Markdown, which expands tabs and deletes
    # \x02 and \x03: the code column holds them as character references.
    line = "\tx = '\t\x02\x03'"
    rendered = literate.highlight.highlight_code([line])[0]
    assert not {"\t", "\x02", "\x03"} & set(rendered)
    assert "&#9;" in rendered and "&#2;" in rendered and "&#3;" in rendered


# MkDocs parses every tag of every page three times: fewer tags, faster
# builds. Whitespace has no colour and needs no tag; neighbouring tokens
# of one class share one.
def test_highlighting_spends_no_tags_on_whitespace_or_repeated_classes():
    rendered = literate.highlight.highlight_code(["print((1))  # two  spaces", "    return  x"])
    assert rendered == [
        '<span class="nb">print</span><span class="p">((</span><span class="mi">1</span>'
        '<span class="p">))</span>  <span class="c1"># two  spaces</span>',
        '    <span class="k">return</span>  <span class="n">x</span>',
    ]
