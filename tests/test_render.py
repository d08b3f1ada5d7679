"""Rendering commentary and code: math, the series' conventions, highlighting."""

import html
import re
from pathlib import Path

import pytest

import literate.commentary
import literate.render
import literate.site
import literate.testrun
import literate.write
from test_highlight import highlighted

pytestmark = pytest.mark.quick


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


def test_dollars_follow_pandocs_rule_no_space_inside():
    out, _ = render("between $ 5 and 6 $ and $x $ and $ y$, but $z$")
    assert out.count("<math") == 1 and "<annotation encoding=\"application/x-tex\">z</annotation>" in out


def test_dollars_in_prose_and_code_spans_are_not_math():
    out, _ = render("Costs $5 and $6, see `$x$` and ``$$y$$``.")
    assert "<math" not in out
    assert "<code>$x$</code>" in out and "<code>$$y$$</code>" in out


def test_underscores_and_stars_in_math_are_not_emphasis():
    # Plain Markdown would emphasise both: the *b* and the *y_2*.
    out, _ = render("$a*b*c$ and $x_1*y_2*z$ and $a_1 + b_2$")
    assert "<em>" not in out
    assert out.count("<math") == 3


def test_unrenderable_math_is_shown_as_source_with_a_warning():
    out, warnings = render(r"$$\notacommand x$$")
    assert r"$$\notacommand x$$" in html.unescape(out) and "<math" not in out
    assert warnings and "notacommand" in warnings[0]


def test_line_breaks_are_kept_when_the_site_says_so():
    out, _ = render("第一行\n第二行", line_breaks="keep")
    assert "第一行<br>\n第二行" in out


def test_series_title_over_indented_body():
    out, _ = render("**Overview**:\n    The body,\n    two lines.")
    assert "<p><strong>Overview</strong></p>\n<p>The body,\ntwo lines.</p>" in out
    assert "<pre>" not in out


def test_series_link_and_double_backticks():
    out, _ = render("See ``torch.autograd.Function`` <link https://example.org/a#b link>.")
    assert '<code>torch.autograd.Function</code> <a href="https://example.org/a#b">Related Link</a>' in out


def test_highlighting_keeps_every_line_and_escapes_html():
    lines = ['s = """</script>', "<!-- {{ x }} {% y %} &amp;", '"""', "x = 1"]
    rendered = highlighted(lines)
    assert len(rendered) == len(lines)
    assert [html.unescape(re.sub(r"<[^>]+>", "", line)) for line in rendered] == lines
    assert "</script>" not in "".join(rendered)


def test_tabs_and_markdown_placeholders_reach_the_page_as_written():
    # MkDocs runs pages through Markdown, which expands tabs and deletes
    # \x02 and \x03: the code column holds them as character references.
    line = "\tx = '\t\x02\x03'"
    rendered = highlighted(["if y:", line])[1]
    assert not {"\t", "\x02", "\x03"} & set(rendered)
    assert "&#9;" in rendered and "&#2;" in rendered and "&#3;" in rendered


# MkDocs parses every tag of every page three times: fewer tags, faster
# builds. Whitespace has no colour and needs no tag; neighbouring tokens
# of one class share one.
def test_highlighting_spends_no_tags_on_whitespace_or_repeated_classes():
    rendered = highlighted(["def f():", "    print((1))  # two  spaces", "    return  x"])
    assert rendered[1:] == [
        '    <span class="nb">print</span><span class="p">((</span><span class="mi">1</span>'
        '<span class="p">))</span>  <span class="c1"># two  spaces</span>',
        '    <span class="k">return</span>  <span class="n">x</span>',
    ]


# A tutorial whose commentary cites its tests by name: test_a passes,
# test_b fails, and test_gone is no test of the page.
CITING = '''"""
# Citations

Proved by `test_a` and by ``test_b``.
"""


def test_a():
    """The first proof."""


def test_b():
    """The second proof, which fails; `test_gone` went long ago."""
    assert False
'''


def page_markdown(page, body, verdict=None):
    """The page as MkDocs reads it."""
    return body.front + "".join(literate.write.page_pieces(body, verdict, page.lang))


def cited_page(verdict):
    page = literate.site.Page(source=Path("citing.py"), name="citing", repo_path="citing.py", lang="en")
    made = literate.render.render_page(page, CITING)
    return page_markdown(page, made.body, verdict), made


def citation(markdown, name):
    found = re.search(rf'<a class="lp-cite" href="#(section-\d+)"><code>{name}</code></a>'
                      rf'<span class="lp-cite-mark lp-cite-mark--([a-z-]+)"[^>]*>(.*?)</span>', markdown)
    assert found, f"{name} is not cited as a link with a mark"
    return found.groups()


def row_defining(markdown, anchor):
    return re.search(rf'<div class="lp-section" id="{anchor}">.*?</div>\n</div>\n', markdown, re.S).group(0)


def test_a_citation_links_to_its_test_and_shows_this_builds_verdict():
    verdict = literate.testrun.Verdict(status=literate.testrun.FAILED, functions=["test_a", "test_b"], cases=[
        literate.testrun.CaseResult("test_a", literate.testrun.PASSED, 0.01),
        literate.testrun.CaseResult("test_b", literate.testrun.FAILED, 0.01, "AssertionError: assert False", 15)])
    markdown, _ = cited_page(verdict)
    anchor_a, state_a, words_a = citation(markdown, "test_a")
    anchor_b, state_b, words_b = citation(markdown, "test_b")
    assert (state_a, words_a) == ("passed", "✓ passed")
    assert (state_b, words_b) == ("failed", "✗ failed")
    assert "def</span> <span class=\"nf\">test_a" in row_defining(markdown, anchor_a)
    assert "def</span> <span class=\"nf\">test_b" in row_defining(markdown, anchor_b)


def test_a_citation_says_not_run_when_the_tests_did_not_run():
    markdown, _ = cited_page(literate.testrun.Verdict(status=literate.testrun.NOT_RUN, functions=["test_a", "test_b"]))
    assert citation(markdown, "test_a")[1:] == ("not-run", "○ not run")


def test_a_citation_of_a_missing_test_warns_with_its_line():
    markdown, made = cited_page(None)
    assert made.warnings == ((13, "`test_gone` is cited but is not a test function of this page"),)
    assert "<code>test_gone</code>" in markdown and 'lp-cite"><code>test_gone' not in markdown


def test_test_names_in_code_blocks_and_links_are_not_citations():
    text = '"""\n# Blocks\n\n```\ntest_a\n```\n\n[`test_a`](https://example.org)\n"""\n\n\ndef test_a():\n    pass\n'
    page = literate.site.Page(source=Path("blocks.py"), name="blocks", repo_path="blocks.py", lang="en")
    made = literate.render.render_page(page, text)
    markdown = page_markdown(page, made.body)
    assert made.warnings == () and "lp-cite" not in markdown and "<code>test_a</code>" in markdown


# Citation marks are slots that rendering records, in the order they come:
# the test each cites and the Chinese punctuation that closes on it, which
# its mark keeps on its line. Writing fills them, and finds nothing again
# in the HTML; a slot that the HTML lost stops the page.
def test_rendering_records_a_slot_for_each_citation_of_a_test():
    text = CITING.replace("Proved by `test_a` and by ``test_b``.", "先是 `test_b`，再有 *`test_a`* 与 `test_b`。")
    page = literate.site.Page(source=Path("citing.py"), name="citing", repo_path="citing.py", lang="zh")
    body = literate.render.render_page(page, text).body
    slots = [piece for _, after in body.rows for piece in after if not isinstance(piece, str)]
    Slot = literate.render.CitationSlot
    assert slots == [Slot("test_b", "，"), Slot("test_a", ""), Slot("test_b", "。")]
    kept = re.findall(r'<span class="lp-keep"><span class="lp-cite-mark[^>]*>[^<]*</span>(.*?)</span>',
                      page_markdown(page, body))
    assert kept == ["，", "。"]


def test_a_citation_slot_the_html_lost_stops_the_page(monkeypatch):
    monkeypatch.setattr(literate.render, "render_commentary",
                        lambda text, md: literate.commentary.render_commentary(text, md).replace(
                            literate.render.SLOT, ""))
    page = literate.site.Page(source=Path("citing.py"), name="citing", repo_path="citing.py", lang="en")
    with pytest.raises(AssertionError, match="2 citations of tests, 0 slots"):
        literate.render.render_page(page, CITING)


# The home page's summary of a tutorial is the first whole sentence of the
# prose that opens its introduction, or nothing: never half a sentence.
@pytest.mark.parametrize("lines, summary", [
    (["A gradient worked out by hand is easy to get wrong, and a wrong gradient",
      "still trains, only badly. Finite differences check it."],
     "A gradient worked out by hand is easy to get wrong, and a wrong gradient\nstill trains, only badly."),
    (["This document mainly covers:", "- how to define a function", "- how to check it"], ""),
    (["How does it pass through?", "", "More."], "How does it pass through?"),
    (["Shapes such as ``x.shape`` vs. ``y.shape`` and $0.5 x$ stay whole, e.g. here. Then more."],
     "Shapes such as ``x.shape`` vs. ``y.shape`` and $0.5 x$ stay whole, e.g. here."),
    (["手算的梯度很容易出错，而错误的梯度照样能训练，只是训练得不好。有限差分只", "用函数本身来检查梯度。"],
     "手算的梯度很容易出错，而错误的梯度照样能训练，只是训练得不好。"),
    (["本文档主要包括:", "- 一", "- 二"], ""),
    (["The example function is:", "$$ c = x $$", "read as c."], ""),
], ids=["wrapped", "list", "question", "no stop inside code, math or e.g.", "chinese", "chinese list", "formula"])
def test_a_summary_is_one_whole_sentence(lines, summary):
    assert literate.render.first_sentence(lines) == summary


# A formula and the Chinese marks that close on it or open before it are
# kept on one line; a formula without such marks is left as it is.
def test_inline_math_keeps_its_chinese_punctuation():
    out, _ = render("激活函数 $f$ 作用：$y = f(x)$。上层（$g$）传回，$h$，与 $k$ 之后")
    kept = literate.render.keep_marks_with_math(out)
    assert re.findall(r'<span class="lp-keep">(.*?)</span>', kept) == [
        re.search(r'<math[^>]*alttext="y = f\(x\)".*?</math>', out).group(0) + "。",
        "（" + re.search(r'<math[^>]*alttext="g".*?</math>', out).group(0) + "）",
        re.search(r'<math[^>]*alttext="h".*?</math>', out).group(0) + "，"]
    assert re.sub(r'<span class="lp-keep">|</span>', "", kept) == out


@pytest.mark.quick
@pytest.mark.parametrize("commentary, anchors", [
    ('See <a name="Named"></a> here.', {"Named"}),
    ('<a id="Ided"></a>\n\n## Heading', {"Ided"}),
    ("A note[^1].\n\n[^1]: The note.", {"fnref:1", "fn:1"}),
    ("valid = True, and a `name: str`", set()),
])
def test_a_sections_anchors_are_the_ids_and_the_link_names_in_its_commentary(commentary, anchors):
    md = literate.commentary.make_markdown(lambda message, quote: None)
    assert literate.render.anchor_ids(literate.commentary.render_commentary(commentary, md)) == anchors
