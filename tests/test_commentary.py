"""Commentary as its author laid it out: line joining in both languages, lists,
docstring sections, titles and chapter order, on a corpus in the series' styles
(tests/corpus/: chapters named chapter1_… chapter10_…, English and _zh twins)."""

import re
import threading
import unicodedata
from pathlib import Path

import markdown.treeprocessors
import pytest

import build_docs
import literate.build
import literate.commentary
import literate.judge
import literate.settings
import literate.read
import literate.write
from literate import conventions
from site_html import squeeze, visible_text
from support import page, project_config

CORPUS = Path(__file__).resolve().parent / "corpus"


def corpus_settings(folder):
    """This project's settings, written into `folder`, for the corpus, without the generator's pages (none of the corpus)."""
    return project_config(folder, lambda config: config.update(docs_dir=str(CORPUS)))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    testing = literate.judge.TutorialTestOptions(run=False, cache_dir=folder / "cache")
    build_docs.build_site(CORPUS, folder / "site", corpus_settings(folder), testing)
    return folder / "site"


def commentary(site, url):
    """The commentary column of a page, every section's, math left out."""
    body = "\n".join(re.findall(r'<div class="lp-docs">(.*?)\n</div>', page(site, url), re.S))
    return re.sub(r"<math.*?</math>", "<math/>", body, flags=re.S)


def title(site, url):
    return re.search(r"<title>(.*?) - ", page(site, url)).group(1)


def wide(character):
    return unicodedata.east_asian_width(character) in ("W", "F")


def render(text, line_breaks="join"):
    md = literate.commentary.make_markdown(lambda message, quote: None, line_breaks)
    return literate.commentary.render_commentary(text, md)


# --- Lists ---------------------------------------------------------------

@pytest.mark.parametrize("url, before, items, after", [
    ("zh/chapter1_overview/intro", "本文档主要包括:", 3, "本文档用于求导的函数示例是:"),
    ("chapter1_overview/intro", "This document covers:", 3, "The function is"),
])
def test_a_list_under_a_line_of_text_is_a_list_and_an_unindented_line_ends_it(site, url, before, items, after):
    docs = commentary(site, url)
    found = re.search(r"(?P<before>[^>]*)</p>\s*<ul>\s*(?P<items>(?:<li>[^<]*</li>\s*)+)</ul>\s*<p>(?P<after>[^<]*)", docs)
    assert found, docs
    assert found["before"].endswith(before) and found["after"].startswith(after)
    assert found["items"].count("<li>") == items and "- " not in found["items"]


# Our own pages: the seed's Chinese page, on the real site (conftest.py), built once for every test that reads it.
def test_the_seed_page_list_is_a_list(real_site):
    docs = commentary(real_site, "zh/autograd/autograd")
    assert re.search(r"<p>本文档主要包括:</p>\s*<ul>\s*<li>使用 PyTorch 定义一个可求导函数的方法</li>", docs)
    assert re.search(r"</ul>\s*<p>本文档用于求导的函数示例是:", docs)
    assert "方法。通过继承" in docs


@pytest.mark.quick
def test_a_dash_inside_a_fenced_code_block_stays_code():
    out = render("Text\n```\n- not an item\n```")
    assert "<li>" not in out and "- not an item" in out


# --- Line breaks -----------------------------------------------------------

def test_chinese_lines_join_with_no_space_or_break_between_characters(site):
    for url in ("zh/chapter1_overview/intro", "zh/chapter2_losses/gae", "zh/chapter2_losses/clipped_loss"):
        # Inline tags go; a block's edge is no place where lines were joined.
        inline = re.sub(r"</?(code|strong|em|a)\b[^>]*>", "", re.sub(r"<br>", "<BR>", commentary(site, url)))
        text = re.sub(r"<(?!BR>)[^>]+>", "|", inline)
        for left, gap, right in re.findall(r"(\S)(\s+|<BR>)(\S)", text):
            assert not (wide(left) and wide(right)), f"{url}: {left!r}{gap!r}{right!r}"
    assert "自定义一个可导的函数。" in commentary(site, "zh/chapter1_overview/intro")
    assert "<dd>新策略与旧策略对每个动作的概率之比。</dd>" in commentary(site, "zh/chapter2_losses/clipped_loss")


def test_wrapped_english_prose_is_one_paragraph(site):
    docs = commentary(site, "chapter1_overview/intro")
    paragraph = re.search(r"<p>This tutorial computes.*?</p>", docs, re.S).group(0)
    assert "<br" not in paragraph and "twice: once with the\nchain rule" in paragraph


def test_two_spaces_or_a_backslash_at_the_end_keep_the_break(site):
    english = commentary(site, "chapter10_appendix/line_breaks")
    assert "stays a line,<br>" in english and "in a backslash,<br>" in english
    assert "this line and the next\njoin into one paragraph." in english
    chinese = commentary(site, "zh/chapter10_appendix/line_breaks")
    assert "保持分行，<br>" in chinese and "也是，<br>" in chinese and "下一行连成一段" in chinese


@pytest.mark.quick
def test_code_spans_and_math_keep_their_line_breaks():
    out = render("中文 `代码\n代码` 中文\n$$甲\n乙$$")
    assert "<code>代码\n代码</code>" in out
    assert "<annotation encoding=\"application/x-tex\">甲\n乙</annotation>" in out


@pytest.mark.quick
def test_keep_every_line_break_when_the_site_says_so():
    assert "中文<br>\n中文" in render("中文\n中文", line_breaks="keep")


@pytest.mark.quick
def test_a_formula_written_again_is_converted_once_and_each_bad_one_is_reported(monkeypatch):
    converted, reports = [], []
    convert = literate.commentary.tex_to_mathml
    monkeypatch.setattr(literate.commentary, "tex_to_mathml",
                        lambda tex, display: converted.append((tex, display)) or convert(tex, display))
    literate.commentary.mathml_of.cache_clear()
    md = literate.commentary.make_markdown(lambda message, quote: reports.append(quote))
    first = literate.commentary.render_commentary("$x_1$ and $$x_1$$", md)
    again = literate.commentary.render_commentary("Again $x_1$, and $\\notacommand$.", md)
    bad_again = literate.commentary.render_commentary("Still $\\notacommand$.", md)
    other_page = literate.commentary.make_markdown(lambda message, quote: reports.append(quote))
    elsewhere = literate.commentary.render_commentary("Elsewhere $$x_1$$ and $\\notacommand$.", other_page)
    assert sorted(converted) == sorted([("x_1", False), ("x_1", True), ("\\notacommand", False),
                                        ("\\notacommand", False), ("\\notacommand", False)])
    inline, display = convert("x_1", display=False), convert("x_1", display=True)
    assert inline != display and first.count(inline) == 1 and first.count(display) == 1 and inline in again
    assert display in elsewhere
    assert reports == ["$\\notacommand$"] * 3 and "lp-math-error" in bad_again


# A process makes one Markdown object for each setting of line breaks, and
# each page gets it as new: its own report, every raw tag reported again
# once, and none of the tree processors the page before it added.
@pytest.mark.quick
def test_a_markdown_object_is_made_once_a_process_and_each_page_gets_it_as_new(monkeypatch):
    made, seen, make = [], [], literate.commentary.markdown.Markdown
    monkeypatch.setattr(literate.commentary.markdown, "Markdown", lambda *arguments, **options: (
        made.append(options), make(*arguments, **options))[1])
    literate.commentary.kept_markdown.cache_clear()

    class Seen(markdown.treeprocessors.Treeprocessor):
        def run(self, root):
            seen.append("".join(root.itertext()))

    first, second, third = [], [], []
    md = literate.commentary.make_markdown(lambda message, quote: first.append(message))
    literate.commentary.for_page(md, Seen(md), "seen", 1)
    literate.commentary.render_commentary("<b>one</b> and <b>two</b>", md)
    other = literate.commentary.make_markdown(lambda message, quote: second.append(message))
    shown = literate.commentary.render_commentary("<b>three</b>", other)
    kept = literate.commentary.make_markdown(lambda message, quote: third.append(message), line_breaks="keep")
    literate.commentary.render_commentary("<b>four</b>", kept)
    in_thread = []
    thread = threading.Thread(target=lambda: in_thread.append(literate.commentary.make_markdown(print)))
    thread.start()
    thread.join()
    literate.commentary.kept_markdown.cache_clear()
    assert len(made) == 3 and other is md and kept is not md and in_thread[0] is not md
    assert first == second == third == ["raw HTML is shown as text: '<b>'"]
    assert [text.strip() for text in seen] == ["<b>one</b> and <b>two</b>"] and "three" in shown


def test_the_mkdocs_setting_reaches_every_page(tmp_path):
    (tmp_path / "docs").mkdir()
    config = literate.settings.load_mkdocs_config(corpus_settings(tmp_path), tmp_path / "docs", tmp_path / "site")
    config.plugins["literate"].config.line_breaks = "keep"
    testing = literate.judge.TutorialTestOptions(run=False, cache_dir=tmp_path / "cache")
    files = literate.build.make_pages(CORPUS, config, testing).files
    page = files["zh/chapter10_appendix/line_breaks.md"].decode("utf-8")
    assert "而这一行和下一行<br>\n连成一段" in page


# --- Docstring sections ----------------------------------------------------

def definition_list(docs, heading):
    found = re.search(rf"<p><strong>{heading}</strong></p>\s*<dl>(.*?)</dl>", docs, re.S)
    assert found, f"no definition list under {heading}"
    return re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", found.group(1), re.S)


def test_google_style_sections_are_definition_lists(site):
    docs = commentary(site, "chapter2_losses/clipped_loss")
    assert definition_list(docs, "Args") == [
        ("<code>ratio</code> (<code>np.ndarray</code>)", "the new policy's probability of each action over\nthe old policy's."),
        ("<code>advantage</code> (<code>np.ndarray</code>)", "the advantage of each action."),
        ("<code>epsilon</code> (<code>float</code>)", "how far the ratio may move from 1."),
    ]
    assert definition_list(docs, "Returns") == [("<code>float</code>", "the loss, to be minimised.")]
    assert definition_list(docs, "Raises") == [("<code>ValueError</code>", "when the shapes of ratio and advantage differ.")]


def test_series_sections_with_dashes_and_sphinx_roles(site):
    for url in ("chapter2_losses/gae", "zh/chapter2_losses/gae"):
        docs = commentary(site, url)
        arguments = definition_list(docs, "Arguments")
        assert [term for term, _ in arguments][:2] == [
            "<code>value</code> (<code>np.ndarray</code>)", "<code>reward</code> (<code>np.ndarray</code>)"]
        assert definition_list(docs, "Returns")[0][0] == "<code>adv</code> (<code>np.ndarray</code>)"
        # (the Chinese full stop after it stays on its line with it)
        assert definition_list(docs, "Shapes")[0][1].removeprefix('<span class="lp-keep">').startswith("<math/>")
        assert ":obj:" not in visible_text(docs) and ":math:" not in visible_text(docs)
        assert "<p><strong>Overview</strong></p>" in docs
    examples = re.search(r"<p><strong>Examples</strong></p>\s*<div class=\"highlight\"><pre>(.*?)</pre>",
                         commentary(site, "chapter2_losses/gae"), re.S)
    assert examples and "&gt;&gt;&gt; </span>" in examples.group(1)


def test_numpy_style_sections_are_definition_lists(site):
    for url, description in (("chapter10_appendix/numpy_style", "The critic's new value of each state."),
                             ("zh/chapter10_appendix/numpy_style", "评论家对每个状态的新价值。")):
        docs = commentary(site, url)
        parameters = definition_list(docs, "Parameters")
        assert parameters[0] == ("<code>value</code> (<code>np.ndarray</code>)", description)
        assert len(parameters) == 3 and definition_list(docs, "Returns")[0][0] == "<code>float</code>"
        assert "----------" not in docs


@pytest.mark.quick
def test_a_sphinx_role_in_prose_is_inline_code():
    assert render("A :obj:`namedtuple`, a :py:class:`torch.Tensor` and :math:`T^2`.").startswith(
        "<p>A <code>namedtuple</code>, a <code>torch.Tensor</code> and <math")
    assert render("Code: `:obj:`") == "<p>Code: <code>:obj:</code></p>"


# --- Titles and chapters ---------------------------------------------------

@pytest.mark.parametrize("url, expected", [
    ("chapter1_overview/intro", "Gradients by hand, checked against autograd"),  # a short first line
    ("zh/chapter1_overview/intro", "手动求导，并与自动求导对照"),
    ("zh/chapter2_losses/gae", "广义优势估计（GAE）"),
    ("zh/chapter2_losses/clipped_loss", "PPO 的截断替代损失让每次更新都靠近采集数据时的策略"),  # a short sentence
    ("chapter2_losses/clipped_loss", "clipped_loss"),  # its first sentence is long: the file name
    ("chapter10_appendix/numpy_style", "Value clipping, NumPy style"),  # a heading
    ("chapter10_appendix/untitled", "untitled"),  # no docstring
])
def test_page_titles(site, url, expected):
    assert title(site, url) == expected
    assert squeeze(visible_text(commentary(site, url))).count(expected) == 0 or url.endswith("clipped_loss")


def test_chapters_in_natural_order_with_readable_names(site):
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", page(site, ""))
    assert headings == ["Chapter 1: Overview", "Chapter 2: Losses", "Chapter 10: Appendix", "About this site"]


@pytest.mark.quick
@pytest.mark.parametrize("folder, readable", [
    ("tensors", "Tensors"), ("chapter1_overview", "Chapter 1: Overview"), ("chapter10", "Chapter 10"),
    ("part-2-more_math", "Part 2: More math"), ("misc", "Misc"),
])
def test_readable_folder_names(folder, readable):
    assert conventions.readable_folder_name(folder) == readable




# --- The math font ---------------------------------------------------------

def test_the_site_serves_an_opentype_math_font_for_math_elements_only(site):
    served = site / literate.write.MATH_FONT_URL
    assert served.read_bytes() == literate.write.math_font().read_bytes()
    font = served.read_bytes()
    tags = {font[12 + 16 * index:16 + 16 * index] for index in range(int.from_bytes(font[4:6], "big"))}
    assert b"MATH" in tags  # the OpenType table that makes it a math font
    css = (site / "assets" / "literate.css").read_text(encoding="utf-8")
    face = re.search(r"@font-face\s*{[^}]*}", css).group(0)
    assert 'src: url("fonts/STIXTwoMath-Regular.ttf")' in face and "http" not in face
    rules = re.findall(r"([^{}]+){[^}]*font-family:\s*\"LP STIX Two Math\"", css)
    selectors = [selector.strip().split("\n")[-1] for selector in rules]
    assert [selector for selector in selectors if selector != "@font-face"] == [".md-typeset math"]
