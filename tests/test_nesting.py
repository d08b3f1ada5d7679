"""Folders nest: a folder at any depth of the source folder is a section, in
the navigation and on the home page, in natural order; a folder's
`__init__.py` is its section's index page, every line of it, and the
source folder's own is the home page's introduction; `x_zh.py` is `x.py`
in Chinese at any depth; links between sources resolve across depths; and
addresses that clash at depth stop the build."""

import re

import pytest

import literate.build
import literate.parse
import literate.settings
import literate.site
from contract import check_contract
from site_html import code_lines, squeeze, visible_text
from support import ROOT, project_config, run_build, write

# The package `c`, three folders down: its `__init__.py` is its main
# implementation, as in series of packages.
PACKAGE = '''\
"""
# Section C

The package's own code: [z](z.py#Name), [up three](../../../top.py), [part A](../../__init__.py).
"""

import math


class Scale:
    """Multiplies by a constant."""

    def __init__(self, factor):
        # Kept as given.
        self.factor = factor

    def __call__(self, x):
        return self.factor * math.sqrt(x) ** 2
'''

PACKAGE_ZH = '''\
"""
# 第三节

包自己的代码：[z](z.py)。
"""


class Scale:
    pass
'''

TREE = {
    "top.py": '"""\n# Top\n\nOutside any chapter: [the deep page](01_a/02_b/10_c/z.py#Name).\n"""\n\nx = 0\n',
    "01_a/__init__.py": '"""\n# Part A\n\nThe first part, down to [z](02_b/10_c/z.py#Name).\n"""\n',
    "01_a/x.py": '"""\n# X\n\nDown two: [c](02_b/10_c/index.html), [z](02_b/10_c/z.html#Name), '
                 '[y](02_b/y.md).\n"""\n\nx = 1\n',
    "01_a/02_b/y.py": '"""\n# Y\n\nUp one: [x](../x.py), [c](10_c/__init__.py).\n"""\n\ny = 2\n',
    "01_a/02_b/10_c/__init__.py": PACKAGE,
    "01_a/02_b/10_c/__init___zh.py": PACKAGE_ZH,
    "01_a/02_b/10_c/z.py": '"""\n# Z\n\n<a id="Name"></a>Here: [c](index.html), [y](../y.py), '
                           '[x](../../x.html).\n"""\n\nz = 3\n',
    "01_a/02_b/10_c/z_zh.py": '"""\n# 第 Z 页\n\n这里：[c](index.html)、[y](../y.py)、[x](../../x.py)。\n"""\n\nz = 3\n',
    "01_a/02_b/2_d/w.py": '"""\n# W\n"""\n\nw = 4\n',
    "01_a/03_e/__init__.py": '"""\n# E\n\nOnly sections in it: [v](f/v.py).\n"""\n',
    "01_a/03_e/f/v.py": '"""\n# V\n\nTo [e](../index.html), whose page is the home page.\n"""\n\nv = 5\n',
}


def chapters_of(tmp_path, files):
    source = tmp_path / "source"
    for name, text in files.items():
        write(source, name, text)
    (tmp_path / "docs").mkdir(exist_ok=True)
    config = literate.settings.load_mkdocs_config(ROOT / "mkdocs.yml", tmp_path / "docs", tmp_path / "site")
    languages = literate.site.site_languages(config)
    chapters = literate.site.find_chapters(source, tmp_path, languages)
    pages = literate.site.pages_of(chapters)
    literate.site.check_page_urls(pages, languages)
    # Each section is titled by its index pages, as rendering them would.
    headings = {page: literate.site.index_heading(literate.parse.parse_code(page.source.read_text(encoding="utf-8")))
                for page in pages if literate.site.is_section_index(page)}
    return literate.site.titled_sections(chapters, languages, headings)


@pytest.mark.quick
def test_folders_nest_three_deep_in_natural_order(tmp_path):
    chapters = chapters_of(tmp_path, TREE)
    assert [(page.name, page.lang) for page in literate.site.pages_of(chapters)] == [
        ("top", "en"), ("a/index", "en"), ("a/x", "en"), ("a/b/y", "en"), ("a/b/d/w", "en"),
        ("a/b/c/index", "en"), ("a/b/c/index", "zh"), ("a/b/c/z", "en"), ("a/b/c/z", "zh"),
        ("a/e/index", "en"), ("a/e/f/v", "en")]
    nav = literate.site.navigation(chapters, "en")
    assert nav[:-1] == ["index.md", "top.md", {"Part A": [
        "a/index.md", "a/x.md",
        {"B": ["a/b/y.md", {"D": ["a/b/d/w.md"]}, {"Section C": ["a/b/c/index.md", "a/b/c/z.md"]}]},
        {"E": ["a/e/index.md", {"F": ["a/e/f/v.md"]}]}]}]
    assert literate.site.navigation(chapters, "zh")[2]["Part A"][2]["B"][2] == {"第三节": ["a/b/c/index.md", "a/b/c/z.md"]}


@pytest.mark.parametrize("files, message", [
    ({"a/b/c/x.py": "x = 1\n", "a/b/c/01_x.py": "x = 2\n"}, r"a/b/c/x\.py: page 'a/b/c/x' already comes from"),
    ({"a/b/c/My_page.py": "x = 1\n", "a/b/c/my-page.py": "x = 2\n"}, r"its page /a/b/c/my-page/ clashes with "
                                                                    r"/a/b/c/My_page/ .*letter case"),
    ({"a/b/c.py": "x = 1\n", "a/b/c/d.py": "x = 2\n"}, r"a/b/c\.py:1:1: its page /a/b/c/ is also the folder of"),
    ({"a/b/c/__init__.py": "x = 1\n", "a/b/c/index.py": "x = 2\n"}, r"page 'a/b/c/index' already comes from"),
], ids=["two sources for one page", "letter case", "a page and a folder", "a package and its index.py"])
@pytest.mark.quick
def test_an_address_that_clashes_at_depth_is_refused_by_name(tmp_path, files, message):
    with pytest.raises(literate.site.BuildError, match=message):
        chapters_of(tmp_path, files)


# A folder that links back to one it is in is no section: followed, it
# would hold itself forever.
@pytest.mark.quick
def test_a_link_back_to_an_enclosing_folder_is_no_section(tmp_path):
    (tmp_path / "source" / "a" / "b").mkdir(parents=True)
    (tmp_path / "source" / "a" / "b" / "up").symlink_to(tmp_path / "source" / "a", target_is_directory=True)
    chapters = chapters_of(tmp_path, {"a/b/y.py": "y = 1\n"})
    assert [page.name for page in literate.site.pages_of(chapters)] == ["a/b/y"]


# ## A site of nested sources
def pages_of_tree(tree, tmp_path, monkeypatch, capsys):
    """The pages `--pages-only` writes for the sources `tree` ({path: text}): (read(path), the warnings)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    for name, text in tree.items():
        write(tmp_path / "source", name, text)
    project_config(tmp_path)
    status, _, err = run_build(tmp_path, capsys, "site", "cache", "--pages-only", str(tmp_path / "pages"))
    assert status == 0, err
    return lambda path: (tmp_path / "pages" / path).read_text(encoding="utf-8"), err


@pytest.fixture
def nested(tmp_path, monkeypatch, capsys):
    return pages_of_tree(TREE, tmp_path, monkeypatch, capsys)


def test_a_package_that_holds_code_is_its_sections_index_page_with_every_line(nested):
    read, _ = nested
    page = read("en/a/b/c/index.md")
    assert re.search(r'^title: "Section C"$', page, re.M)
    shown = code_lines(page)
    check_contract(PACKAGE)
    lines = PACKAGE.split("\n")
    code = {number: line for number, line in enumerate(lines, start=1)
            if line.strip() and not line.lstrip().startswith(("#", '"""')) and number > 5}
    assert {number: shown.get(number) for number in code} == code
    text = squeeze(visible_text(page))
    for words in ("The package's own code:", "Multiplies by a constant.", "Kept as given."):
        assert words in text, words
    assert read("en/a/b/c/__init__.py") == PACKAGE  # its download, beside the page


def test_a_chinese_twin_three_deep_is_the_same_page_in_chinese(nested):
    read, _ = nested
    assert re.search(r'^title: "第三节"$', read("zh/a/b/c/index.md"), re.M)
    assert re.search(r'^title: "第 Z 页"$', read("zh/a/b/c/z.md"), re.M)
    assert "lp-untranslated" in read("zh/a/b/y.md") and "lp-untranslated" not in read("zh/a/b/c/z.md")
    home = read("zh/index.md")
    assert "#### 第三节" in home and "[第 Z 页](a/b/c/z.md)" in home


def test_the_home_page_heads_each_section_one_level_down(nested):
    read, _ = nested
    home = read("en/index.md").split("---\n", 2)[2]
    headings = re.findall(r"^(#+) (.*)$", home, re.M)
    assert headings[1:] == [("##", "Part A"), ("###", "B"), ("####", "D"), ("####", "Section C"),
                            ("###", "E"), ("####", "F"), ("##", "About this site")]
    assert home.index("[X](a/x.md)") < home.index("### B") < home.index("[Y](a/b/y.md)") < home.index("#### D")
    assert home.index("#### Section C") < home.index("[Section C](a/b/c/index.md)") < home.index("[Z](a/b/c/z.md)")



# A folder's `__init__.py` that holds only its docstring is its section's
# index page too, at the folder's own address: the home page still shows
# its title and introduction, and does not list the page as well.
def test_a_docstring_only_init_is_its_sections_index_page(nested):
    read, _ = nested
    page = read("en/a/index.md")
    assert re.search(r'^title: "Part A"$', page, re.M)
    assert '<p>The first part, down to <a href="b/c/z/#Name">z</a>.</p>' in page
    assert "lp-untranslated" in read("zh/a/index.md")  # no `__init___zh.py`: the notice, in Chinese
    home = read("en/index.md")
    assert "## Part A" in home and "The first part, down to" in home
    assert "(a/index.md)" not in home and "(a/e/index.md)" not in home
    assert "[Section C](a/b/c/index.md)" in home  # one with code is listed: its page is more than its introduction


# The source folder's own `__init__.py` is the home page's introduction,
# in its language; its title heads the home page. Code in it cannot be
# shown there: a warning at its line. A link that leads nowhere from a
# folder's introduction is a warning at its line, once, like any page's.
HOME_TREE = {
    "__init__.py": '"""\n# A series of packages\n\nIt opens here: [x](a/x.py), [gone](nowhere.py).\n"""\n\n'
                   'from a.x import *  # noqa\n',
    "__init___zh.py": '"""\n这里开始：[x](a/x.py)。\n"""\n',
    "a/__init__.py": '"""\n# Part A\n\nSee [the lost page](lost.py).\n"""\n',
    "a/x.py": '"""\n# X\n"""\n\nx = 1\n',
}


def test_the_source_folders_init_is_the_home_pages_introduction(tmp_path, monkeypatch, capsys):
    read, err = pages_of_tree(HOME_TREE, tmp_path, monkeypatch, capsys)
    home = read("en/index.md").split("---\n", 2)[2]
    assert home.lstrip().startswith("# A series of packages\n")
    assert '<p>It opens here: <a href="a/x/">x</a>, <a href="nowhere.py">gone</a>.</p>' in home
    chinese = read("zh/index.md").split("---\n", 2)[2]
    assert '<p>这里开始：<a href="../a/x/">x</a>。</p>' in chinese  # x has no Chinese page
    warnings = [line for line in err.splitlines() if "warning" in line]
    assert re.search(r"source/__init__\.py:7: warning: .*its code is not shown", err)
    assert len([line for line in warnings if re.search(r"source/__init__\.py:4: warning: .*'nowhere\.py' leads nowhere", line)]) == 1
    assert len([line for line in warnings if re.search(r"source/a/__init__\.py:4: warning: .*'lost\.py' leads nowhere", line)]) == 1
    assert not any("__init___zh.py" in line for line in warnings)


# A source folder with only `__init___zh.py` introduces the Chinese home
# page alone: the English one has no introduction, rather than an empty one.
@pytest.mark.quick
def test_a_home_introduction_in_one_language_only(tmp_path):
    chapters = chapters_of(tmp_path, {"__init___zh.py": '"""\n# 首页\n\n这里开始。\n"""\n', "a/x.py": "x = 1\n"})
    assert {locale: (home.title, home.intro) for locale, home in chapters[0].introduction.items()} == {
        "zh": ("首页", "这里开始。")}
    assert literate.site.unshown_code(chapters) == []


# A folder's introduction on the home page is read from its `__init__.py`:
# its links lead where they would from there, in the reader's language.
def test_a_folders_introduction_links_from_its_own_folder(nested):
    read, _ = nested
    assert '<p>The first part, down to <a href="a/b/c/z/#Name">z</a>.</p>' in read("en/index.md")
    assert '<p>The first part, down to <a href="a/b/c/z/#Name">z</a>.</p>' in read("zh/index.md")
    assert '<p>Only sections in it: <a href="a/e/f/v/">v</a>.</p>' in read("en/index.md")
    assert '<a href="../a/e/f/v/">v</a>' in read("zh/index.md")  # v has no Chinese page


def test_links_between_sources_resolve_across_depths(nested):
    read, err = nested
    expected = {
        "en/top.md": [("the deep page", "../a/b/c/z/#Name")],
        "en/a/x.md": [("c", "../b/c/"), ("z", "../b/c/z/#Name"), ("y", "../b/y/")],
        "en/a/b/y.md": [("x", "../../x/"), ("c", "../c/")],
        "en/a/b/c/index.md": [("z", "z/#Name"), ("up three", "../../../top/"), ("part A", "../../")],
        "en/a/b/c/z.md": [("c", "../"), ("y", "../../y/"), ("x", "../../../x/")],
        "en/a/e/f/v.md": [("e", "../../")],
        "zh/a/b/c/index.md": [("z", "z/")],
        "zh/a/b/c/z.md": [("c", "../"), ("y", "../../../../../a/b/y/"), ("x", "../../../../../a/x/")],
    }
    for path, links in expected.items():
        page = read(path)
        for text, href in links:
            assert f'<a href="{href}">{text}</a>' in page, (path, text)
    assert "leads nowhere" not in err


# The breadcrumbs over a page are Material's, made from the navigation:
# every folder above it, by its title, in the page's language.
def test_breadcrumbs_name_every_section_above_a_page(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    for name, text in TREE.items():
        write(tmp_path / "source", name, text)
    project_config(tmp_path)
    status, _, err = run_build(tmp_path, capsys)
    assert status == 0, err

    def breadcrumbs(url):
        text = (tmp_path / "site" / url / "index.html").read_text(encoding="utf-8")
        path = re.search(r'<nav class="md-path".*?</nav>', text, re.S).group(0)
        return [squeeze(visible_text(item)) for item in re.findall(r"<li[^>]*>(.*?)</li>", path, re.S)]

    assert breadcrumbs("a/b/c/z") == ["Home", "Part A", "B", "Section C"]
    assert breadcrumbs("zh/a/b/c") == ["首页", "Part A", "B", "第三节"]
    assert breadcrumbs("a/e/f/v") == ["Home", "Part A", "E", "F"]
