"""Front matter gives a page its title and summary and is never shown as
text; a first line ending in a colon is no title; a link to another source,
by its file or by its page name, leads to that page, in the reader's
language when there is one, and a link to no source is a warning."""

from pathlib import Path

import pytest
import yaml

import literate.render
import literate.site
import literate.write
from contract import check_contract
from support import project_config, run_build, write


def rendered(text, name="attention"):
    page = literate.site.Page(Path(f"{name}.py"), name, f"{name}.py", "en")
    made = literate.render.render_page(page, text)
    body = "".join(literate.write.page_pieces(made.body, None, page.lang))
    meta = yaml.safe_load(made.body.front.split("---\n")[1])
    return made, body, meta


FRONT = '''"""
---
title: Multi-Headed Attention (MHA)
summary: >
  This implements multi-headed attention
  in <b>PyTorch</b>.
author: Someone
---

# Multi-Headed Attention (MHA)

Attention lets each position look at every other.
"""

x = 1
'''


@pytest.mark.quick
def test_front_matter_gives_the_title_and_summary_and_is_not_shown():
    made, body, meta = rendered(FRONT)
    assert made.title == "Multi-Headed Attention (MHA)" and meta["title"] == made.title
    assert made.summary == "This implements multi-headed attention in &lt;b&gt;PyTorch&lt;/b&gt;."
    assert meta["description"] == "This implements multi-headed attention in &lt;b&gt;PyTorch&lt;/b&gt;."
    assert meta["front_matter"]["author"] == "Someone"
    assert "title:" not in body and "summary" not in body and "---" not in body and "<hr" not in body
    assert "<h1>" not in body and "<p>Attention lets each position look at every other.</p>" in body
    assert made.warnings == ()


# The YAML lines are commentary read as the page's metadata: the parse keeps
# them (the code download and the literate text have them), and the contract
# says which lines they are.
@pytest.mark.quick
def test_the_contract_knows_front_matter_lines_as_commentary():
    sections = check_contract(FRONT)
    assert sections[0].docs.startswith("---\ntitle: Multi-Headed Attention (MHA)\n")


@pytest.mark.quick
@pytest.mark.parametrize("text, why", [
    ('"""\n---\nSome words, then a rule.\n---\n\nMore.\n"""\nx = 1\n', "no mapping"),
    ('x = 1\n"""\n---\ntitle: Late\n---\n"""\n', "not the module docstring"),
])
def test_what_is_no_front_matter_stays_markdown(text, why):
    made, body, meta = rendered(text)
    assert "front_matter" not in meta and made.warnings == (), why
    assert "<hr" in body or "title: Late" in body


@pytest.mark.quick
def test_front_matter_yaml_cannot_read_is_shown_as_text_with_a_warning():
    text = '"""\n---\ntitle: [unclosed\nsummary: x\n---\n\nMore.\n"""\nx = 1\n'
    made, body, meta = rendered(text, "broken")
    assert "front_matter" not in meta and "unclosed" in body
    assert [line for line, message in made.warnings if message.startswith("front matter is shown as text")] == [4]


@pytest.mark.quick
@pytest.mark.parametrize("first", ["本文档主要包括：", "本文档主要包括:", "This page covers:"])
def test_a_first_line_ending_in_a_colon_introduces_what_follows(first):
    text = f'"""\n{first}\n- 梯度\n- 反向传播\n"""\n\nx = 1\n'
    made, body, meta = rendered(text, "chapter3_obs/gradient")
    assert made.title == "Gradient" and meta["title"] == "Gradient"
    assert body.index(first) < body.index("<li>梯度</li>")


@pytest.mark.quick
def test_a_short_first_line_is_still_the_title():
    made, body, _ = rendered('"""\nGradients by hand\n\nMore.\n"""\nx = 1\n')
    assert made.title == "Gradients by hand" and "Gradients by hand" not in body


# ## A site of linked sources
@pytest.fixture
def linked(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    source = tmp_path / "source"
    write(source, "01_first/__init__.py", '"""\n---\ntitle: The first chapter\n---\n\nIts introduction.\n"""\n')
    write(source, "01_first/one.py", '''\
        """
        # One

        To [two](two.py), [three's Name](../02_second/three.py#Name), [the chapter](__init__.py),
        [two again](two.html), [the chapter again](index.html), [two once more](two.md#x),
        [three in English](../02_second/three_zh.py), [a folder](../02_second/), [out](https://example.com/x.py),
        [nothing](missing.py) and [no page](../02_second/gone.html).
        """

        x = 1
        ''')
    write(source, "01_first/one_zh.py", '''\
        """
        # 一

        见 [二](two.py) 与 [三](../02_second/three.py)。
        """

        x = 1
        ''')
    write(source, "01_first/two.py", '"""\n---\ntitle: Two, from its front matter\nsummary: The second page.\n---\n"""\n\nx = 2\n')
    write(source, "02_second/three.py", '"""\n# Three\n"""\n\nx = 3\n')
    write(source, "02_second/three_zh.py", '"""\n# 三\n"""\n\nx = 3\n')
    project_config(tmp_path)
    return tmp_path


def built(project, capsys):
    status, _, err = run_build(project, capsys, "site", "cache", "--pages-only", str(project / "pages"))
    assert status == 0, err
    return lambda path: (project / "pages" / path).read_text(encoding="utf-8"), err


def test_a_link_to_a_source_leads_to_its_page(linked, capsys):
    read, err = built(linked, capsys)
    one = read("en/first/one.md")
    for text, href in [("two", "../two/"), ("three's Name", "../../second/three/#Name"),
                       ("the chapter", "../"), ("two again", "../two/"), ("the chapter again", "../"),
                       ("two once more", "../two/#x"), ("three in English", "../../second/three/"),
                       ("a folder", "../02_second/"), ("out", "https://example.com/x.py"),
                       ("nothing", "missing.py"), ("no page", "../02_second/gone.html")]:
        assert f'<a href="{href}">{text}</a>' in one, text


def test_a_link_leads_to_the_page_in_the_readers_language_when_there_is_one(linked, capsys):
    read, _ = built(linked, capsys)
    one_zh = read("zh/first/one.md")
    assert '<a href="../../../first/two/">二</a>' in one_zh  # two has no Chinese page
    assert '<a href="../../second/three/">三</a>' in one_zh


def test_a_link_to_no_source_is_a_warning_at_its_line(linked, capsys):
    _, err = built(linked, capsys)
    warnings = [line.split("source/", 1)[1] for line in err.splitlines() if "leads nowhere" in line]
    assert warnings == [
        "01_first/one.py:7: warning: the link 'missing.py' leads nowhere: missing.py is no source of this site",
        "01_first/one.py:7: warning: the link '../02_second/gone.html' leads nowhere: "
        "../02_second/gone.py is no source of this site",
    ]


def test_front_matter_titles_the_chapter_and_the_page_on_the_home_page(linked, capsys):
    read, _ = built(linked, capsys)
    home = read("en/index.md").split("---\n", 2)[2]
    assert "## The first chapter\n\n<p>Its introduction.</p>" in home and "title:" not in home
    assert '- [Two, from its front matter](first/two.md)\n  <span class="lp-summary">The second page.</span>' in home
    assert ('- [One](first/one.md) · [English](first/one.md) | [中文](zh/first/one/)\n'
            '  <span class="lp-summary">To <a href="first/two/">two</a>' in home), home
    # its summary's links lead from here


# A page's links depend on which other sources there are: a source added
# since the last build is reached from a page the cache kept.
def test_a_source_added_later_is_reached_from_a_cached_page(linked, capsys):
    _, err = built(linked, capsys)
    assert "'missing.py' leads nowhere" in err
    write(linked / "source", "01_first/missing.py", '"""\n# Found\n"""\n\nx = 4\n')
    read, err = built(linked, capsys)
    assert "'missing.py' leads nowhere" not in err and '<a href="../missing/">nothing</a>' in read("en/first/one.md")
