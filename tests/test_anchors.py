"""Anchors: an empty `<a id="X"></a>` (or `name=`) in commentary is a link
target that `#X` reaches; any other raw HTML stays text, its warning given
once per page and tag. A link to an anchor its page lacks is a warning at
its line."""

import pytest

import literate.commentary
from support import Counted, lesson, plugin_settings, project_config, run_build, write


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


# ## A link to an anchor its page does not have
#
# Checked once every page is rendered, against the anchors each page has:
# `<a id>`, `<a name>`, a footnote's, a section's. A heading has no id in
# commentary (Markdown's `toc` is not among its extensions), so a link to
# a heading's would-be slug lands nowhere, and warns.
@pytest.fixture
def anchored(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    source = tmp_path / "source"
    write(source, "one.py", '''\
        """
        # One

        Here: [typo](#Hre), [here](#Here) and [its section](#section-1).
        <a id="Here"></a>

        There: [a typo](two.py#MAH), [attention](two.py#MHA), [named](two.html#named),
        [the note](two.py#fn:1), [its return](two.py#fnref:1) and [the heading](two.py#attention).
        """

        # Again [typo](#Hre) and [a typo](two.py#MAH).
        x = 1
        ''')
    write(source, "one_zh.py", '''\
        """
        # 一

        见 [中文的锚](two.py#zh_only) 与 [英文的锚](two.py#MHA)。
        """

        x = 1
        ''')
    write(source, "two.py", '''\
        """
        # Two

        <a id="MHA"></a>

        ## Attention

        Attention[^1] and <a name="named"></a> a name.

        [^1]: A note.
        """

        x = 2
        ''')
    write(source, "two_zh.py", '"""\n# 二\n\n<a id="zh_only"></a>\n"""\n\nx = 2\n')
    project_config(tmp_path, lambda config: plugin_settings(config).update(generator_pages=False))
    return tmp_path


def anchor_warnings(err):
    return [line.split("source/", 1)[1] for line in err.splitlines() if "leads to no anchor" in line]


ONE_WARNS = [
    "one.py:4: warning: the link '#Hre' leads to no anchor: this page has no 'Hre'",
    "one.py:7: warning: the link 'two.py#MAH' leads to no anchor: the page of two.py has no 'MAH'",
    "one.py:8: warning: the link 'two.py#attention' leads to no anchor: the page of two.py has no 'attention'",
    "one.py:11: warning: the link '#Hre' leads to no anchor: this page has no 'Hre'",
    "one.py:11: warning: the link 'two.py#MAH' leads to no anchor: the page of two.py has no 'MAH'",
]


def test_a_link_to_an_anchor_its_page_lacks_is_a_warning_at_its_line(anchored, capsys):
    status, _, err = run_build(anchored, capsys, "site", "cache", "--pages-only", str(anchored / "pages"))
    assert status == 0, err
    assert anchor_warnings(err) == ONE_WARNS + [
        "one_zh.py:4: warning: the link 'two.py#MHA' leads to no anchor: the page of two_zh.py has no 'MHA'"]
    one = (anchored / "pages" / "en" / "one.md").read_text(encoding="utf-8")
    assert '<a href="#Hre">typo</a>' in one and '<a href="../two/#MAH">a typo</a>' in one  # warned, not changed


# The warnings are the build's: a build with nothing changed repeats them,
# and a page kept in the cache is checked against the anchors the others
# have now, without being rendered again.
def test_an_anchor_added_to_its_page_mends_the_cached_links_to_it(anchored, capsys, monkeypatch):
    status, _, err = run_build(anchored, capsys)
    assert status == 0 and len(anchor_warnings(err)) == 6, err
    status, out, again = run_build(anchored, capsys)
    assert status == 0 and "nothing changed" in out and anchor_warnings(again) == anchor_warnings(err)
    counted = Counted(monkeypatch)
    two = anchored / "source" / "two.py"
    two.write_text(two.read_text(encoding="utf-8").replace('<a id="MHA">', '<a id="MAH"></a> <a id="MHA">'),
                   encoding="utf-8")
    status, _, err = run_build(anchored, capsys)
    assert status == 0 and counted.names == ["two"]
    assert anchor_warnings(err) == [ONE_WARNS[0], ONE_WARNS[2], ONE_WARNS[3], (
        "one_zh.py:4: warning: the link 'two.py#MHA' leads to no anchor: the page of two_zh.py has no 'MHA'")]
