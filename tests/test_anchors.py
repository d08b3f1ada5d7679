"""Anchors: an empty `<a id="X"></a>` (or `name=`) in commentary is a link
target that `#X` reaches; any other raw HTML stays text, its warning given
once per page and tag."""

import pytest

import literate.commentary
from support import lesson, run_build, write


def render(text):
    warnings = []
    md = literate.commentary.make_markdown(lambda message, quote: warnings.append(message))
    return literate.commentary.render_commentary(text, md), warnings


@pytest.mark.quick
@pytest.mark.parametrize("written, kept", [
    ('<a id="MHA"></a>', '<a id="MHA"></a>'),
    ("<a name='x-1'></a>", '<a name="x-1"></a>'),
    ('<a  id = "my_anchor" > </a>', '<a id="my_anchor"></a>'),
])
def test_an_empty_anchor_above_a_heading_is_a_link_target(written, kept):
    out, warnings = render(f"{written}\n\n## Multi-Head Attention\n\nAs [above](#target).")
    assert warnings == []
    assert out.startswith(f"<p>{kept}</p>\n<h2>Multi-Head Attention</h2>") and '<a href="#target">' in out


@pytest.mark.quick
@pytest.mark.parametrize("written", [
    '<a id="1st"></a>', '<a id="a b"></a>', '<a id="x" onclick="alert(1)"></a>', '<a id="x">text</a>',
    '<a href="javascript:alert(1)" id="x"></a>', '<a id="x;alert(1)"></a>',
])
def test_anything_else_in_a_tag_stays_text(written):
    out, warnings = render(written)
    assert "<a" not in out.replace("&lt;a", "") and len(warnings) == 1
    assert warnings[0].startswith("raw HTML is shown as text: '<a ")


@pytest.mark.quick
def test_the_sanitizer_keeps_only_names_in_an_anchors_id_and_name():
    clean = literate.commentary.sanitize(
        '<a id="ok-1" name="fine_2">a</a><a id="1x" name="a b">b</a><p id="p">c</p><span name="n">d</span>')
    assert clean == '<a id="ok-1" name="fine_2">a</a><a>b</a><p>c</p><span>d</span>'


@pytest.mark.quick
def test_raw_html_is_reported_once_per_tag():
    out, warnings = render("<b>one</b> and <b>two</b>,\n<i>three</i> <!-- a --> <!-- b --> <B>four</B>")
    assert warnings == ["raw HTML is shown as text: '<b>'", "raw HTML is shown as text: '<i>'",
                        "raw HTML is shown as text: '<!-- a -->'"]
    assert out.count("&lt;b&gt;") == 2 and "&lt;!-- b --&gt;" in out


def test_an_anchor_reaches_the_page_and_raw_html_is_reported_once_per_file(project, capsys):
    words = ('<a id="MHA"></a>\n\n## Attention\n\nSee [it](#MHA). <b>Bold</b>\n'
             '<b>again</b> and <a id="1bad"></a>.')
    write(project / "source", "alpha.py", lesson("Alpha", words))
    status, _, err = run_build(project, capsys, "site", "cache", "--pages-only", str(project / "pages"))
    page = (project / "pages" / "en" / "alpha.md").read_text(encoding="utf-8")
    assert status == 0 and '<p><a id="MHA"></a></p>' in page and '<a href="#MHA">it</a>' in page
    assert [line.split(": ", 1)[1] for line in err.splitlines() if "alpha.py" in line] == [
        "warning: raw HTML is shown as text: '<b>'", "warning: raw HTML is shown as text: '<a id=\"1bad\">'"]
    assert "alpha.py:8: warning: raw HTML is shown as text: '<b>'" in err
