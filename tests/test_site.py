"""The built site: pages, seed content, code columns, header and footer."""

import ast
import collections
import importlib.metadata
import json
import html
import posixpath
import re
from html.parser import HTMLParser

import pytest

import build_docs
import literate.textfirst
import literate.site
import literate.settings
import literate.parse
import literate.render
import literate.publish
from literate import STAGES
from needs import unavailable
from site_html import code_lines, code_rows_of, source_formulas, squeeze, tex_annotations, visible_text
from support import CONFIG, ROOT, SEED, SOURCE, page, project_config, run_command

SOURCES = sorted(path for path in SOURCE.rglob("*.py") if not path.name.startswith("__init__"))
TEXT_FIRST = sorted(SOURCE.rglob("*" + literate.textfirst.LITERATE_SUFFIX))
# Each chapter's `__init__.py` is its index page, at the chapter's own address.
CHAPTER_INDEXES = sorted(SOURCE.glob("*/__init__*.py"))
# The generator's own pages: build_docs.py, then each stage of literate/ in pipeline order.
GENERATOR = [ROOT / "build_docs.py"] + [ROOT / "literate" / f"{stage}.py" for stage in STAGES]
GENERATOR_URLS = ["build_docs/"] + [f"literate/{stage}/" for stage in STAGES]
# The guide, before the generator: literate/guide/ in the order of its numbers, then its settings reference.
GUIDE = sorted((ROOT / "literate" / "guide").glob("*" + literate.textfirst.LITERATE_SUFFIX))
GUIDE_URLS = [f"guide/{re.sub(r'^[0-9]+_', '', path.name.removesuffix('.py.txt'))}/" for path in GUIDE]
SETTINGS_URL = "guide/configuration/"
ABOUT_URLS = ["test-results/"] + GUIDE_URLS + [SETTINGS_URL] + GENERATOR_URLS


def title_and_summary(source):
    text = source.read_text(encoding="utf-8")
    code = build_docs.literate_text_to_code(text) if literate.textfirst.is_literate_text(source) else text
    parsed = literate.parse.parse_code(code)
    return literate.render.title_and_summary(parsed.sections, source.stem, parsed.opens_with_docstring)


def url_of(source):
    """Where a source is published: chapter/page without numeric prefixes, x_zh.py under zh/;
    the generator's files at their paths in the repository."""
    if source in GENERATOR:
        return GENERATOR_URLS[GENERATOR.index(source)]
    if source in GUIDE:
        return GUIDE_URLS[GUIDE.index(source)]
    *chapters, name = source.relative_to(SOURCE).parts
    stem = name.removesuffix(literate.textfirst.LITERATE_SUFFIX).removesuffix(".py")
    chinese = stem.endswith("_zh")
    parts = [re.sub(r"^\d+_", "", part) for part in (*chapters, stem[:-3] if chinese else stem)]
    return ("zh/" if chinese else "") + "".join(part + "/" for part in parts if part != "__init__")


@pytest.fixture(scope="session")
def site(real_site):
    return real_site


def action(body, kind):
    """(href, words) of the page's action button `kind` (colab, notebook, code, text, source), or None."""
    found = re.search(rf'<a class="md-content__button md-icon lp-action lp-action--{kind}" href="([^"]*)" '
                      r'title="([^"]*)" aria-label="\2"', body)
    return found and (html.unescape(found.group(1)), html.unescape(found.group(2)))


def resolve(page_url, href):
    """The site path that a relative href on the page at page_url ("zh/x/y/") leads to:
    "zh/x/" for a folder, "zh/x/y.py" for a file."""
    target = href.split("#")[0]
    path = posixpath.normpath(posixpath.join(page_url, target))
    folder = target.endswith("/") or target.rsplit("/", 1)[-1] in ("", ".", "..")
    return "" if path == "." else path + ("/" if folder else "")


def test_site_has_index_tutorials_and_generator_page(site):
    assert (site / "index.html").exists() and (site / "zh" / "index.html").exists()
    for source in SOURCES + TEXT_FIRST:
        assert "lp-page" in page(site, url_of(source)), url_of(source)
    assert "How this site is built" in page(site, "build_docs")
    for source in GENERATOR:
        assert "lp-page" in page(site, url_of(source)), url_of(source)


def test_chapters_and_languages_give_the_urls(site):
    for url in ("tensors/broadcasting/", "zh/tensors/broadcasting/", "autograd/autograd/",
                "zh/autograd/autograd/", "autograd/finite_differences/"):
        assert "lp-page" in page(site, url), url


def lines_and_code_rows(path):
    """A source's lines, and the numbers of those that hold real code."""
    text = path.read_text(encoding="utf-8")
    if literate.textfirst.is_literate_text(path):
        text = build_docs.literate_text_to_code(text)
    return text.split("\n"), code_rows_of(text)


@pytest.mark.parametrize("path", SOURCES + TEXT_FIRST + GENERATOR, ids=lambda p: p.name)
def test_every_code_line_is_in_the_code_column(site, path):
    lines, rows = lines_and_code_rows(path)
    shown = code_lines(page(site, url_of(path)))
    assert rows
    for row in sorted(rows):
        assert shown.get(row) == lines[row - 1], f"{path.name}:{row} is not on its page"


def seed_lines():
    if not SEED.exists():
        unavailable(f"the seed page is not beside this clone: {SEED} (CI lays out shared/ there)")
    return [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_seed_sentence_and_code_line_is_on_the_chinese_page(site):
    """As many times as the seed has it, and in the seed's order: code lines
    in the code column, formulas as math, the rest in the visible text."""
    chinese_page = page(site, "zh/autograd/autograd")
    text = squeeze(visible_text(chinese_page))
    shown = [line.strip() for _, line in sorted(code_lines(chinese_page).items())]
    maths = [squeeze(tex) for tex in tex_annotations(chinese_page)]
    seed_code, seed_maths, at = [], [], 0
    # The seed's interface ("HOME", "View code on GitHub") was English on its
    # Chinese page; here it is the generator's words, in the page's language.
    interface = {words.casefold(): key for key, words in literate.site.WORDS["en"].items() if isinstance(words, str)}
    for line in seed_lines():
        if line.casefold() in interface:
            assert literate.site.WORDS["zh"][interface[line.casefold()]] in chinese_page, f"no Chinese for {line!r}"
            continue
        if line in shown:
            seed_code.append(line)
            continue
        seed_maths += [squeeze(tex) for tex in re.findall(r"\$\$(.+?)\$\$", line)]
        item = re.match(r"- (.+)", line)  # a list item in the seed is one on the page
        if item:
            assert f"<li>{html.escape(item.group(1), quote=False)}</li>" in chinese_page, f"not a list item: {line!r}"
            continue
        for words in re.split(r"\$\$.+?\$\$", line):
            assert squeeze(words) in text, f"seed sentence missing: {words!r}"
            found = text.find(squeeze(words), at)
            assert found >= 0, f"seed sentence out of the seed's order: {words!r}"
            at = found
    missing = collections.Counter(seed_code) - collections.Counter(shown)
    assert not missing, f"seed code lines missing (or fewer times than in the seed): {dict(missing)}"
    remaining = iter(shown)
    assert all(line in remaining for line in seed_code), "seed code lines out of the seed's order"
    for tex in seed_maths:
        assert tex in maths, f"formula not rendered: {tex}"
    remaining = iter(maths)
    assert all(tex in remaining for tex in seed_maths), "formulas out of the seed's order"


def test_math_is_mathml_and_no_tex_is_visible(site):
    total = 0
    for source in SOURCES + TEXT_FIRST:
        body = page(site, url_of(source))
        wanted = source_formulas(source)
        total += sum(wanted.values())
        missing = wanted - collections.Counter(squeeze(tex) for tex in tex_annotations(body))
        assert not missing, f"{source.name}: formulas not rendered as MathML: {dict(missing)}"
        prose = re.sub(r"<pre\b.*?</pre>|<code\b.*?</code>", " ", body, flags=re.S)
        assert not re.findall(r"\\[A-Za-z]+|\$", visible_text(prose)), f"{source.name}: TeX left in the text"
    assert total > 10


def test_header_links_and_view_code_on_github(site):
    body = page(site, "zh/autograd/autograd")
    for link in CONFIG["extra"]["header_links"]:
        assert f'href="{link["url"]}"' in body
    home = re.search(r'<a class="lp-bar__home" href="([^"]*)">首页</a>', body).group(1)
    assert resolve("zh/autograd/autograd/", home) == "zh/", "Home leads to the home page of the page's language"
    expected = f'{CONFIG["repo_url"]}/blob/{CONFIG["extra"]["repo_branch"]}/source/02_autograd/03_autograd_zh.py'
    assert action(body, "source") == (expected, "在 GitHub 上查看代码")
    assert action(page(site, "build_docs"), "source")[0].endswith("/blob/main/build_docs.py")


def test_a_text_first_source_is_a_page_like_any_other(site):
    assert TEXT_FIRST
    for path in TEXT_FIRST:
        url = url_of(path)
        body = page(site, url)
        heading = path.read_text(encoding="utf-8").split("\n")[0]
        assert f"<h1>{heading}</h1>" in body
        assert "<math" in body
        commentary = re.findall(r'<div class="lp-docs">(.*?)</div>\n<div class="lp-code"', body, re.S)
        assert len(commentary) > 3
        assert not any("::" in visible_text(docs) for docs in commentary)
        assert f'href="{url}"' in (site / "index.html").read_text(encoding="utf-8")


# Each page offers its code and its literate text, named after its source
# and written beside it in its language's tree; the text gives back the
# code through PyLit.
@pytest.mark.parametrize("path", SOURCES + TEXT_FIRST + GENERATOR + GUIDE, ids=lambda p: p.name)
def test_every_page_offers_its_code_and_its_literate_text(site, path):
    url = url_of(path)
    body = page(site, url)
    named = posixpath.join(posixpath.dirname(url.rstrip("/")), literate.site.page_name(path))
    code_link, code_words = action(body, "code")
    text_link, text_words = action(body, "text")
    words = literate.site.words("zh" if url.startswith("zh/") else "en")
    assert (code_words, text_words) == (words["download_code"], words["download_text"])
    assert (resolve(url, code_link), resolve(url, text_link)) == (f"{named}.py", f"{named}.py.txt")
    code, text = (site / f"{named}.py").read_bytes(), (site / f"{named}.py.txt").read_bytes()
    if literate.textfirst.is_literate_text(path):
        assert text == path.read_bytes()
        assert code.decode("utf-8") == build_docs.literate_text_to_code(path.read_text(encoding="utf-8"))
    else:
        assert code == path.read_bytes()
        assert build_docs.literate_text_to_code(text.decode("utf-8")) == code.decode("utf-8")


# The three links PyTorch readers expect at the top of a tutorial, in both
# languages: the source on GitHub, the notebook to download, and the same
# notebook opened in Colab from the published branch, at its path in the
# site, in words of the page's language.
@pytest.mark.parametrize("path", SOURCES + TEXT_FIRST, ids=lambda p: p.name)
def test_every_tutorial_offers_its_notebook_and_opens_it_in_colab(site, path):
    url = url_of(path)
    body = page(site, url)
    named = posixpath.join(posixpath.dirname(url.rstrip("/")), literate.site.page_name(path)) + ".ipynb"
    colab_words, download_words = ("在 Colab 中打开", "下载 Notebook") if url.startswith("zh/") else (
        "Open in Colab", "Download notebook")
    assert action(body, "source")
    href, words = action(body, "notebook")
    assert (resolve(url, href), words) == (named, download_words)
    assert (site / named).is_file()
    owner_repo = CONFIG["repo_url"].removeprefix("https://github.com/").strip("/")
    colab = f"https://colab.research.google.com/github/{owner_repo}/blob/{CONFIG['remote_branch']}/{named}"
    assert action(body, "colab") == (colab, colab_words)


def test_feedback_line_in_the_page_language(site):
    email = CONFIG["extra"]["contact_email"]
    zh = squeeze(visible_text(page(site, "zh/autograd/autograd")))
    en = squeeze(visible_text(page(site, "autograd/autograd")))
    assert CONFIG["extra"]["feedback"]["zh"].replace("{email}", email) in zh
    assert CONFIG["extra"]["feedback"]["en"].replace("{email}", email) in en
    assert "如果读者" not in en


def test_sections_have_permalinks(site):
    body = page(site, "autograd/autograd")
    ids = re.findall(r'<div class="lp-section" id="(section-\d+)">', body)
    assert len(ids) > 10 and len(set(ids)) == len(ids)
    for anchor in ids:
        assert f'href="#{anchor}"' in body


def test_series_conventions_render(site):
    body = page(site, "zh/autograd/autograd")
    assert '<a href="https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function">Related Link</a>' in body
    assert "<code>torch.autograd.Function</code>" in body
    assert "<strong>LinearFunction 定义概述</strong>" in body
    assert "<pre><code>这是一个" not in body


def functions_named_test(code):
    """The module-level test_* functions of a tutorial's code, counted with ast."""
    return [node.name for node in ast.parse(code).body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_")]


def test_tutorial_pages_show_their_tests_verdict(site):
    for source in SOURCES + TEXT_FIRST:
        text = source.read_text(encoding="utf-8")
        code = literate.textfirst.literate_text_to_code(text) if literate.textfirst.is_literate_text(source) else text
        count = len(functions_named_test(code))
        assert count, f"{source.name} has no tests"
        body = page(site, url_of(source))
        status = re.search(r'<p class="lp-tests lp-tests--passed"[^>]*>(.*?)</p>', body, re.S)
        assert status, f"{source.name}: its page has no status line saying its tests passed"
        line = squeeze(visible_text(status.group(1)))
        assert line.startswith(f"✓ {count} 项测试通过，用时 " if url_of(source).startswith("zh/")
                               else f"✓ {count} tests passed in ")
        for library in ("torch", "numpy"):
            if f"import {library}" in code:
                assert f"{library} {importlib.metadata.version(library)}" in line
        assert body.count('<p class="lp-test-mark lp-test-mark--passed"') == count
    assert '<p class="lp-tests' not in page(site, "build_docs")


def test_cited_tests_link_to_their_rows_and_show_that_they_passed(site):
    cited_pages = 0
    for source in SOURCES:
        body = page(site, url_of(source))
        citations = re.findall(r'<a class="lp-cite" href="#(section-\d+)"><code>(test_\w+)</code></a>'
                               r'<span class="lp-cite-mark lp-cite-mark--([a-z-]+)"', body)
        cited_pages += bool(citations)
        for anchor, name, state in citations:
            row = re.search(rf'<div class="lp-section" id="{anchor}">.*?</div>\n</div>\n', body, re.S).group(0)
            assert f"def {name}(" in squeeze(visible_text(row)), (source.name, name)
            assert state == "passed", (source.name, name)
    assert cited_pages >= 12  # the five new tutorials and the seed's, in both languages


def test_test_results_page_lists_every_tutorial(site):
    assert 'href="test-results/"' in (site / "index.html").read_text(encoding="utf-8")
    results = page(site, "test-results")
    text = squeeze(visible_text(results))
    links = {resolve("test-results/", href) for href in re.findall(r'<td><a href="([^"]*)"', results)}
    for source in SOURCES + TEXT_FIRST:
        assert title_and_summary(source)[0] in text
        assert url_of(source) in links


def loaded_urls(text):
    """What a page or a stylesheet makes the browser fetch: every src and
    srcset, a <link>'s href, and CSS url(...)."""
    urls = re.findall(r'\ssrc="([^"]+)"', text) + re.findall(r'<link\b[^>]*\shref="([^"]+)"', text)
    urls += [url.strip().split()[0] for srcset in re.findall(r'\ssrcset="([^"]+)"', text) for url in srcset.split(",")]
    return urls + re.findall(r"""url\(\s*['"]?([^'")]+)""", text)


def test_pages_load_nothing_from_other_hosts(site):
    files = [*site.rglob("*.html"), *site.rglob("*.css")]
    for path in files:
        for url in loaded_urls(path.read_text(encoding="utf-8")):
            assert not re.match(r"(https?:)?//", url), f"{path}: loads {url}"
    assert any(path.suffix == ".css" for path in files)


# Material's script would fetch the repository's stars from api.github.com,
# and a sitemap beside each language alternate; main.html's inline script
# unmarks the one and removes the other, so it must run before Material's.
def test_every_page_unmarks_what_material_would_fetch_before_its_script_runs(site):
    for path in site.rglob("*.html"):
        body = path.read_text(encoding="utf-8")
        bundle = re.search(r'<script src="[^"]*assets/javascripts/bundle\.[0-9a-f]+\.min\.js"', body)
        assert bundle, f"{path}: no Material bundle"
        for step in ("link.removeAttribute(\"data-md-component\")", "link.remove()"):
            assert 0 <= body.find(step) < bundle.start(), f"{path}: {step} missing or after Material's script"


@pytest.mark.quick
def test_mkdocs_runs_in_strict_mode(tmp_path):
    (tmp_path / "docs").mkdir()
    assert literate.settings.load_mkdocs_config(ROOT / "mkdocs.yml", tmp_path / "docs", tmp_path / "site")["strict"] is True


# Each chapter's folder has an __init__.py (and __init___zh.py) whose
# docstring gives its title and introduction.
@pytest.mark.parametrize("home, suffix", [("", ""), ("zh/", "_zh")])
def test_the_home_page_lists_each_chapter_with_its_title_and_introduction(site, home, suffix):
    text = squeeze(visible_text(page(site, home)))
    at = 0
    for chapter in sorted(path for path in SOURCE.iterdir() if path.is_dir()):
        docstring = ast.get_docstring(ast.parse((chapter / f"__init__{suffix}.py").read_text(encoding="utf-8")))
        title, introduction = docstring.split("\n", 1)
        # The introduction's first paragraph, as prose (a notation table may follow).
        for words in (title.removeprefix("# "), squeeze(introduction.strip().split("\n\n")[0]).replace("`", "")):
            found = text.find(words, at)
            assert found >= 0, f"{home or 'the home page'}: {words!r} missing or out of order"
            at = found


def test_help_lists_the_commands_and_each_command_its_options():
    result = run_command("--help")
    assert result.returncode == 0
    assert all(command in result.stdout for command in ("build", "serve", "gh-deploy"))
    build, serve = run_command("build", "--help"), run_command("serve", "--help")
    for option in ("--source", "--site-dir", "--config", "--no-run", "--cache-dir", "--pages-only"):
        assert option in build.stdout
    assert "--dev-addr" in serve.stdout


def test_syntax_error_names_file_line_and_keeps_the_old_site(tmp_path):
    source, site_dir = tmp_path / "source", tmp_path / "site"
    source.mkdir()
    (source / "good.py").write_text("# Fine.\nx = 1\n", encoding="utf-8")
    building = ("--source", source, "--site-dir", site_dir, "--cache-dir", tmp_path / "cache", "--config",
                project_config(tmp_path))
    assert run_command(*building).returncode == 0
    before = {p: p.read_bytes() for p in site_dir.rglob("*") if p.is_file()}
    (source / "good.py").write_text("# Broken.\nx = (1,\n", encoding="utf-8")
    result = run_command(*building)
    assert result.returncode == 1
    assert re.search(r"good\.py:2:\d+: .+", result.stderr.strip())
    assert "Traceback" not in result.stderr
    assert {p: p.read_bytes() for p in site_dir.rglob("*") if p.is_file()} == before


# ## Two languages, chapters, index and search

def html_pages(site):
    """Every published page but the 404 page, by its URL."""
    return {"" if path.parent == site else path.parent.relative_to(site).as_posix() + "/": path
            for path in sorted(site.rglob("index.html"))}


def test_every_page_links_to_its_counterpart_or_says_it_has_none(site):
    pages = html_pages(site)
    # Each page in both trees; the home page, the generator's pages and "Test results" too.
    tutorials = {url_of(source).removeprefix("zh/") for source in SOURCES + TEXT_FIRST + CHAPTER_INDEXES}
    assert len(pages) == 2 * (len(tutorials) + len(ABOUT_URLS)) + 2
    for url, path in pages.items():
        body = path.read_text(encoding="utf-8")
        language = "zh" if url.startswith("zh/") else "en"
        other, counterpart = ("en", url.removeprefix("zh/")) if language == "zh" else ("zh", "zh/" + url)
        switch = re.search(rf'<a href="([^"]*)" hreflang="{other}" class="md-select__link">', body)
        assert switch and resolve(url, switch.group(1)) == counterpart, f"{url}: no link to {counterpart}"
        assert counterpart in pages
        notice = re.search(r'<p class="lp-untranslated" lang="(\w+)">.*?<a href="([^"]*)">', body)
        if notice:
            assert notice.group(1) == language and resolve(url, notice.group(2)) == counterpart
            assert '<p class="lp-untranslated"' not in pages[counterpart].read_text(encoding="utf-8")
        else:
            assert "lp-page" in body or url in ("", "zh/", "test-results/", "zh/test-results/", SETTINGS_URL), (
                f"{url}: neither a tutorial nor a notice")
    for url in GUIDE_URLS + [SETTINGS_URL] + GENERATOR_URLS:
        assert "本页还没有中文版。请阅读英文版：<a href=" in page(site, "zh/" + url), (
            "the guide's and the generator's pages are in English only, and say so in Chinese words")


# The guide is prose, a section per page: its title and each heading of
# its source are on its page. Its reference of the settings has a row for each.
@pytest.mark.parametrize("path", GUIDE, ids=lambda p: p.name)
def test_every_heading_of_the_guide_is_on_its_page(site, path):
    lines = path.read_text(encoding="utf-8").splitlines()
    headings = [line for line, under in zip(lines, lines[1:]) if under and set(under) == {"-"}]
    body = page(site, url_of(path))
    shown = [squeeze(visible_text(heading)) for heading in re.findall(r"<h2[^>]*>(.*?)</h2>", body, re.S)]
    assert all(heading.replace("`", "") in shown for heading in headings), (headings, shown)
    assert f"<h1>{lines[0]}</h1>" in body


def test_the_settings_reference_has_a_row_for_every_setting(site):
    body = page(site, SETTINGS_URL)
    names = [name for name, *_ in literate.settings.settings_reference()]
    assert re.findall(r"<tr>\s*<td><code>([\w.]+)</code></td>", body) == names


def test_interface_is_in_the_language_of_the_page(site):
    for url, language, search in (("autograd/autograd", "en", "Search"), ("zh/autograd/autograd", "zh", "搜索"),
                                  ("zh/build_docs", "zh", "搜索")):
        body = page(site, url)
        assert re.search(rf'<html lang="{language}"', body), url
        assert f'placeholder="{search}"' in body, url


# ## One language per page
#
# Every word the generator writes comes from the table of the page's
# language (`literate.site.WORDS`): no phrase of another language's table
# is on a page, in its text or in the names and tooltips its elements give
# screen readers ("in" is too short a word to tell). Page titles are the
# authors' words, not the generator's: the Chinese navigation lists the
# generator's pages by their English titles, and these are left out.
class InterfaceText(HTMLParser):
    """What a reader meets on a page, piece by piece, but for code and math."""

    SKIPPED = {"script", "style", "pre", "code", "math", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pieces, self.skipped, self.heading, self.headings = [], 0, None, []

    def handle_starttag(self, tag, attrs):
        self.skipped += tag in self.SKIPPED
        self.pieces += [value for name, value in attrs if name in ("aria-label", "title", "alt") and value]
        if tag == "h1":
            self.heading = []

    def handle_endtag(self, tag):
        self.skipped -= tag in self.SKIPPED
        if tag == "h1" and self.heading is not None:
            self.headings.append(squeeze("".join(self.heading)))
            self.heading = None

    def handle_data(self, data):
        if self.heading is not None:
            self.heading.append(data)
        if not self.skipped and data.strip():
            self.pieces.append(squeeze(data))


def phrases(locale):
    """The phrases of a language's table: its words between the places filled
    in. The names of languages are left out: a page names each language in
    that language's own words, in its language selector."""
    found = set()
    for key, value in literate.site.WORDS[locale].items():
        if key == "languages":
            continue
        for text in value if isinstance(value, tuple) else (value,):
            for phrase in re.split(r"\{[^}]*\}|<[^>]*>", text):
                phrase = phrase.strip(" ·:：,，.。()（）")
                if re.search(r"[^\W\d_]", phrase) and (len(phrase) > 2 or not phrase.isascii()):
                    found.add(phrase)
    return found


def foreign_phrases(site):
    """{page: the phrases of other languages' tables found on it}"""
    pages = {}
    for path in sorted(site.rglob("*.html")):
        parser = InterfaceText()
        parser.feed(path.read_text(encoding="utf-8"))
        pages[path] = (re.search(r'<html lang="([^"]+)"', path.read_text(encoding="utf-8")).group(1), parser)
    titles = {heading for _, parser in pages.values() for heading in parser.headings}
    titled = "|".join(re.escape(title) for title in sorted(titles, key=len, reverse=True))
    found = {}
    for path, (locale, parser) in pages.items():
        own = phrases(locale)
        others = {phrase for other in literate.site.WORDS if other != locale for phrase in phrases(other)} - own
        text = "\n".join(re.sub(titled, "", piece) for piece in parser.pieces)
        shown = sorted(phrase for phrase in others
                       if re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text, re.I))
        if shown:
            found[path.relative_to(site).as_posix()] = shown
    return found


def test_every_page_speaks_only_its_own_language(site):
    assert len(phrases("en")) > 30 and len(phrases("zh")) > 30
    found = foreign_phrases(site)
    assert not found, f"{len(found)} pages show another language's words: " + "; ".join(
        f"{path}: {shown}" for path, shown in list(found.items())[:8])


@pytest.mark.quick
def test_every_language_has_every_word():
    english = literate.site.WORDS["en"]
    for locale, table in literate.site.WORDS.items():
        assert table.keys() == english.keys(), f"{locale}: missing {english.keys() - table.keys()}, " \
                                               f"unknown {table.keys() - english.keys()}"
        for key, value in table.items():
            places = set(re.findall(r"\{\w+\}", str(english[key])))
            assert set(re.findall(r"\{\w+\}", str(value))) == places, f"{locale}: {key} fills other places"


def footer_chain(site, start):
    """The pages met by following "next" in the page footers from start."""
    chain, url = [], start
    while True:
        found = re.search(r'<a href="([^"]*)" class="md-footer__link md-footer__link--next"', page(site, url))
        if not found:
            return chain
        url = resolve(url, found.group(1))
        chain.append(url)


def test_previous_next_and_breadcrumbs_follow_the_chapter_order(site):
    # Each chapter opens with its index page, its `__init__.py`.
    tutorials = ["tensors/", "tensors/broadcasting/", "autograd/", "autograd/finite_differences/",
                 "autograd/autograd_basics/", "autograd/autograd/", "backprop/", "backprop/elementwise/",
                 "backprop/broadcasting_backward/", "backprop/softmax_cross_entropy/",
                 "backprop/two_layer_network/", "backprop/layer_norm/", "engine/", "engine/reverse_mode/",
                 "engine/vjp_and_forward_mode/", "engine/double_backward/", "engine/fused_vs_composed/"]
    # The course ends with its last tutorial: "Next" never leads to the
    # site's own pages, which follow one another.
    assert footer_chain(site, "") == tutorials
    assert footer_chain(site, "zh/") == ["zh/" + url for url in tutorials]
    assert footer_chain(site, "test-results/") == ABOUT_URLS[1:]
    path = re.search(r'<nav class="md-path".*?</nav>', page(site, "zh/autograd/autograd"), re.S).group(0)
    assert ["首页", "自动求导"] == [squeeze(visible_text(item)) for item in re.findall(r"<li.*?</li>", path, re.S)]


def index_links(site, url):
    """(text, target) of every link on a home page's content."""
    body = re.search(r'<article.*?</article>', page(site, url), re.S).group(0)
    return [(squeeze(visible_text(text)), resolve(url, href)) for href, text in re.findall(r'<a href="([^"]*)"[^>]*>(.*?)</a>', body)]


def test_home_pages_list_every_tutorial_by_chapter_in_both_languages(site):
    for home, chinese in (("", False), ("zh/", True)):
        links = index_links(site, home)
        text = squeeze(visible_text(page(site, home)))
        urls = {url_of(source) for source in SOURCES + TEXT_FIRST}
        for source in SOURCES + TEXT_FIRST:
            url = url_of(source)
            title, summary = title_and_summary(source)
            translated = ("zh/" + url if not url.startswith("zh/") else url.removeprefix("zh/")) in urls
            if url.startswith("zh/") == chinese or not translated:
                words = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", squeeze(summary)).replace("`", "")  # a link's text
                assert (title, url) in links and words in text, (home, source)
            if translated:
                assert ("中文" if url.startswith("zh/") else "English", url) in links, (home, source)
        chapters = (["张量", "自动求导", "反向传播：手算梯度", "动手造一个求导引擎", "关于本站"] if chinese
                    else ["Tensors", "Automatic differentiation", "Backpropagation by hand", "Build the engine",
                          "About this site"])
        headings = re.findall(r"<h2[^>]*>(.*?)</h2>", page(site, home))
        assert headings == chapters
        assert re.findall(r"<h3[^>]*>(.*?)</h3>", page(site, home)) == (
            ["指南", "生成器"] if chinese else ["Guide", "The generator"])
    assert ("How this site is built", "build_docs/") in index_links(site, "zh/")
    assert ("Writing a tutorial", "guide/writing/") in index_links(site, "zh/")
    assert ("Configuration", SETTINGS_URL) in index_links(site, "")


# The home page is the course: each chapter's tutorials, in order, each
# with its verdict's mark and a summary that is one whole sentence; the
# site's own pages come after, under "About this site", the generator's on
# one line.
SENTENCE_ENDS = (".", "?", "!", "。", "？", "！")


def test_home_pages_are_the_course_then_about_this_site(site):
    for home, locale in (("", "en"), ("zh/", "zh")):
        body = re.search(r"<article.*?</article>", page(site, home), re.S).group(0)
        course, _, about = body.partition(f">{literate.site.words(locale)['about']}</h2>")
        assert about, f"/{home}: no section {literate.site.words(locale)['about']!r}"
        entries = re.findall(r"<li>(.*?)</li>", course, re.S)
        tutorials = [source for source in SOURCES + TEXT_FIRST if url_of(source).startswith("zh/") == (locale == "zh")]
        assert len(entries) == len(tutorials), f"/{home}: {len(entries)} entries for {len(tutorials)} tutorials"
        for entry in entries:
            title = squeeze(visible_text(re.search(r"<a [^>]*>(.*?)</a>", entry, re.S).group(1)))
            mark = re.search(r'<span class="lp-verdict lp-verdict--passed" role="img" aria-label="([^"]+)">✓</span>',
                             entry)
            assert mark and mark.group(1).startswith("✓ "), f"/{home}: {title} has no mark of its verdict"
            summary = re.search(r'<span class="lp-summary">(.*?)</span>\s*$', entry, re.S)
            assert summary, f"/{home}: {title} has no summary"
            text = squeeze(visible_text(summary.group(1)))
            assert text.endswith(SENTENCE_ENDS), f"/{home}: {title}'s summary ends mid-sentence: {text!r}"
        generator = [link for link in re.findall(r'<a href="([^"]*)"', about) if "literate/" in link]
        assert len(generator) == len(STAGES) and not any("literate/" in link for link in
                                                         re.findall(r'<a href="([^"]*)"', course))


def search_index(site, tree):
    return json.loads((site / tree / "search" / "search_index.json").read_text(encoding="utf-8"))


def pages_with_word(index, word):
    separator = re.compile(index["config"]["separator"])
    return {entry["location"].split("#")[0] for entry in index["docs"]
            if word in separator.split(entry["title"] + " " + entry["text"])}


def test_each_language_has_its_own_search_index_with_chinese_in_words(site):
    english, chinese = search_index(site, ""), search_index(site, "zh")
    saying_it = {url_of(source).removeprefix("zh/") for source in SOURCES + CHAPTER_INDEXES
                 if source.stem.endswith("_zh") and "反向传播" in title_and_summary(source)[1] + source.read_text(encoding="utf-8")}
    assert "autograd/autograd/" in saying_it
    # The home page lists the chapter 反向传播：手算梯度, "Test results" the Chinese pages by their titles.
    assert pages_with_word(chinese, "反向传播") == saying_it | {"", "test-results/"}
    # "Test results" lists the Chinese pages by their titles; the guide's "Languages" takes the word as its example.
    assert pages_with_word(english, "反向传播") == {"test-results/", "guide/languages/"}
    assert pages_with_word(chinese, "传播") == set(), "a word of the dictionary is found whole, not by its parts"
    assert "autograd/autograd/" in pages_with_word(english, "backward")
    assert not any(entry["location"].startswith("zh/") for entry in english["docs"])
    assert {entry["location"].split("#")[0] for entry in chinese["docs"]} >= {"tensors/broadcasting/", "autograd/autograd/"}
    assert "build_docs/" not in {entry["location"].split("#")[0] for entry in chinese["docs"]}, "notices are not indexed"
    for url, tree in (("zh/autograd/autograd/", "zh/"), ("zh/", "zh/"), ("autograd/autograd/", ""), ("", "")):
        config = json.loads(re.search(r'<script id="__config" type="application/json">(.*?)</script>',
                                      page(site, url), re.S).group(1))
        assert resolve(url, config["base"]) == tree, f"{url} would look for its search index elsewhere"


# Material shows a section found by search under the entry of its page,
# found by address; a section whose page has no entry is shown under
# ".../undefined". mkdocs-static-i18n took the Chinese home page's entry
# away as a duplicate of the English one.
def test_every_section_in_a_search_index_has_its_page_there(site):
    for tree in ("", "zh"):
        docs = search_index(site, tree)["docs"]
        pages = {entry["location"] for entry in docs if "#" not in entry["location"]}
        assert {entry["location"].split("#")[0] for entry in docs} == pages, tree
        assert "" in pages, f"{tree}: the home page is in its own index"


# A small source tree of its own: chapter order by number (2 before 10),
# page order inside a chapter, a chapter without __init__.py, and a page
# with no English version.
@pytest.fixture(scope="module")
def ordered_site(tmp_path_factory, testing):
    source = tmp_path_factory.mktemp("ordered") / "source"
    files = {
        "10_last/only.py": '"""\n# Only\n\nLast chapter.\n"""\nx = 1\n',
        "2_middle/__init__.py": '"""\n# Middle chapter\n\nIt comes second.\n"""\n',
        "2_middle/__init___zh.py": '"""\n# 中间一章\n\n第二章。\n"""\n',
        "2_middle/02_second.py": '"""\n# Second\n\nComes second.\n"""\nx = 2\n',
        "2_middle/01_first.py": '"""\n# First\n\nComes first.\n"""\nx = 1\n',
        "2_middle/01_first_zh.py": '"""\n# 第一\n\n排在第一。\n"""\nx = 1\n',
        "1_start/chinese_only_zh.py": '"""\n# 只有中文\n\n没有英文版。\n"""\nx = 1\n',
    }
    for name, text in files.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(text, encoding="utf-8")
    site_dir = source.parent / "site"
    build_docs.build_site(source, site_dir, ROOT / "mkdocs.yml", testing)
    return site_dir


def test_numeric_prefixes_order_chapters_and_pages_and_are_not_shown(ordered_site):
    assert footer_chain(ordered_site, "") == ["start/chinese_only/", "middle/", "middle/first/", "middle/second/",
                                              "last/only/"]
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", page(ordered_site, ""))
    assert headings == ["Start", "Middle chapter", "Last", "About this site"]
    assert re.findall(r"<h2[^>]*>(.*?)</h2>", page(ordered_site, "zh/"))[:3] == ["Start", "中间一章", "Last"]


def test_a_page_without_english_says_so_in_english(ordered_site):
    body = page(ordered_site, "start/chinese_only")
    notice = re.search(r'<p class="lp-untranslated" lang="en">(.*?)</p>', body, re.S)
    assert notice and "no English version yet. Read it in Chinese: <a href=" in notice.group(1)
    assert ("只有中文", "zh/start/chinese_only/") in index_links(ordered_site, "")
    assert "只有中文 (no English version) 没有英文版。" in squeeze(visible_text(page(ordered_site, "")))


# The guide's and the generator's pages are in English only: the Chinese
# home page says so once for each of their lines, in Chinese, and not
# after each of their thirty titles.
def test_the_chinese_home_says_once_a_line_that_the_site_s_own_pages_are_english(ordered_site):
    about = re.search(r"<article.*?</article>", page(ordered_site, "zh/"), re.S).group(0).partition(">关于本站</h2>")[2]
    lines = [squeeze(visible_text(line)) for line in re.split(r"<h3[^>]*>.*?</h3>", about)[1:]]
    assert len(lines) == 2 and lines[0].startswith("以下页面没有中文版：Writing a tutorial · "), lines
    for line in lines:
        assert line.count("中文版") == 1 and "English" not in line, line


# Each language's tree has its own 404 page, in its words, leading to its
# home page; the default language's is at the root, where hosts look.
def test_each_language_has_a_404_page_of_its_own(ordered_site):
    for path, locale, home in (("404.html", "en", "/."), ("zh/404.html", "zh", "/zh/")):
        body = (ordered_site / path).read_text(encoding="utf-8")
        article = re.search(r"<article.*?</article>", body, re.S).group(0)
        said = literate.site.words(locale)
        assert re.search(rf'<html lang="{locale}"', body) and f'lp-feedback" lang="{locale}"' in body, path
        assert squeeze(visible_text(article)) == squeeze(f"{said['not_found_title']} {said['not_found']} {said['home']}")
        assert f'<a href="{home}">{said["home"]}</a>' in article
    found = foreign_phrases(ordered_site)
    assert not {path: shown for path, shown in found.items() if path.endswith("404.html")}


@pytest.mark.parametrize("files, message", [
    ({"01_a/x.py": "x = 1\n", "01_a/01_x.py": "x = 2\n"}, r"01_a/x\.py: page 'a/x' already comes from .*01_a/01_x\.py"),
    ({"01_a/__init__.py": "(\n", "01_a/x.py": "x = 1\n"}, r"01_a/__init__\.py:1:\d+: "),
], ids=["two sources for one page", "broken chapter docstring"])
def test_a_source_tree_that_cannot_be_published_is_refused_by_name(tmp_path, files, message):
    source = tmp_path / "source"
    for name, text in files.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(text, encoding="utf-8")
    result = run_command("--source", str(source), "--site-dir", str(tmp_path / "site"), "--cache-dir", str(tmp_path / "cache"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert re.search(message, result.stderr), result.stderr
    assert not (tmp_path / "site").exists()


# ## Languages beyond two, pages outside chapters, and --pages-only
#
# The generated Markdown shows these without MkDocs: `--pages-only` on a
# small tree, once for each order of the languages in mkdocs.yml.
LANGUAGE_TREE = {
    "zz_outside.py": '"""\n# Outside\n\nIn no chapter.\n"""\nx = 1\n',
    "01_c/lesson.py": '"""\n# Lesson\n\nIn English.\n"""\nx = 1\n',
    "01_c/lesson_fr.py": '"""\n# Leçon\n\nEn français.\n"""\nx = 1\n',
    "01_c/lesson_zh.py": '"""\n# 课\n\n用中文。\n"""\nx = 1\n',
}
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "zh": "中文"}


def write_tree(source, files):
    for name, text in files.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(text, encoding="utf-8")


def config_with_languages(folder, locales):
    def languages(config):
        i18n = next(plugin["i18n"] for plugin in config["plugins"] if isinstance(plugin, dict) and "i18n" in plugin)
        i18n["languages"] = [
            {"locale": locale, "name": LANGUAGE_NAMES[locale], "fixed_link": "./" if locale == "en" else f"{locale}/",
             **({"default": True} if locale == "en" else {})} for locale in locales]
    return project_config(folder, languages)


def pages_only(tmp_path, capsys, config, pages_dir, cache):
    """The Markdown pages of the tree, without MkDocs."""
    status = build_docs.main(["--no-run", "--source", str(tmp_path / "source"), "--config", str(config),
                              "--pages-only", str(pages_dir), "--cache-dir", str(cache)])
    out, err = capsys.readouterr()
    assert status == 0, err
    return out


@pytest.mark.parametrize("locales", [["en", "fr", "zh"], ["en", "zh", "fr"]])
def test_another_language_reads_its_own_files_and_the_links_follow_mkdocs_yml(tmp_path, capsys, test_cache, locales):
    write_tree(tmp_path / "source", LANGUAGE_TREE)
    pages_only(tmp_path, capsys, config_with_languages(tmp_path, locales), tmp_path / "pages", test_cache)
    french = (tmp_path / "pages" / "fr" / "c" / "lesson.md").read_text(encoding="utf-8")
    assert "En français." in french and "In English." not in french
    for locale in locales:
        home = (tmp_path / "pages" / locale / "index.md").read_text(encoding="utf-8")
        links = re.search(r"^- \[[^]]*\]\(c/lesson\.md\).* · (.*)$", home, re.M)
        assert links, home
        assert re.findall(r"\[([^]]+)\]", links.group(1)) == [LANGUAGE_NAMES[name] for name in locales]


# Files directly in source/ are pages outside any chapter, listed first,
# though `zz_outside` sorts after the chapter's name.
def test_pages_outside_any_chapter_are_listed_first(tmp_path, capsys, test_cache):
    write_tree(tmp_path / "source", LANGUAGE_TREE)
    pages_only(tmp_path, capsys, config_with_languages(tmp_path, ["en", "zh"]), tmp_path / "pages", test_cache)
    home = (tmp_path / "pages" / "en" / "index.md").read_text(encoding="utf-8")
    entries = re.findall(r"^(## .*|- \[[^]]*\])", home, re.M)
    assert entries[:3] == ["- [Outside]", "## C", "- [Lesson]"], entries


# --pages-only overwrites what is there, removes nothing, and builds no site.
def test_pages_only_overwrites_removes_nothing_and_builds_no_site(tmp_path, capsys, monkeypatch, test_cache):
    write_tree(tmp_path / "source", LANGUAGE_TREE)
    config = config_with_languages(tmp_path, ["en", "zh"])
    pages_dir = tmp_path / "pages"
    (pages_dir / "en").mkdir(parents=True)
    (pages_dir / "en" / "mine.txt").write_text("the reader's own file", encoding="utf-8")
    monkeypatch.setattr(literate.publish, "mkdocs_build", lambda config: pytest.fail("MkDocs ran"))
    monkeypatch.chdir(tmp_path)  # where a site/ would appear by default
    pages_only(tmp_path, capsys, config, pages_dir, test_cache)
    (tmp_path / "source" / "zz_outside.py").unlink()
    write_tree(tmp_path / "source", {"01_c/lesson.py": '"""\n# Lesson\n\nIn English, edited.\n"""\nx = 1\n'})
    pages_only(tmp_path, capsys, config, pages_dir, test_cache)
    assert "In English, edited." in (pages_dir / "en" / "c" / "lesson.md").read_text(encoding="utf-8")
    assert (pages_dir / "en" / "zz_outside.md").exists(), "a page no longer in the sources was removed"
    assert (pages_dir / "en" / "mine.txt").read_text(encoding="utf-8") == "the reader's own file"
    assert not any(path.name == "sitemap.xml" for path in tmp_path.rglob("*")), "a site was built"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["mkdocs.yml", "pages", "source"]
