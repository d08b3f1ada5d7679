"""
# The site: its chapters and pages found, and their addresses

A folder is a section, at any depth; `x_zh.py` is `x.py` in Chinese; a
page is an address.

In: the source folder and the languages of `mkdocs.yml`; once the pages
are rendered, what each section's index pages say of it. Out: the site's
chapters (see "The model"), each a list of pages (one `Page` per source
and language) and the sections nested in it, every page with an address
of its own, checked; each section's title and introduction; and the
navigation MkDocs shows.
"""

import html
import itertools
import posixpath
import re
from dataclasses import dataclass, replace
from pathlib import Path

from literate import ROOT, STAGES
from literate.read import BuildError, SourceError, display_path, located, read_source
from literate.textfirst import LITERATE_SUFFIX, is_literate_text
from literate.parse import parse_code
from literate.frontmatter import read_front_matter
from literate.conventions import readable_folder_name
from literate.model import Chapter, Language, Page


# A tutorial is a `.py` file, or a `.py.txt` literate text (text first).
def tutorial_sources(source_dir):
    return sorted(path for pattern in ("*.py", "*" + LITERATE_SUFFIX) for path in Path(source_dir).glob(pattern))


def page_name(path):
    return path.name[: -len(LITERATE_SUFFIX)] if is_literate_text(path) else path.stem


# A folder directly under `source/` is a chapter; the files in it are its
# pages, and the files directly in `source/` are pages outside any chapter.
# A folder in a chapter is a section of it, and so on at any depth: a
# series of packages is published as it is laid out, each page at its
# folder's path. Chapters, sections and pages are in the natural order of
# their names: numbers in them count as numbers, so `chapter2` comes
# before `chapter10` and `2_` before `10_`. In a folder, its pages come
# before its sections. A numeric prefix such as `01_` is dropped from
# titles and URLs. A chapter's title and introduction are the docstring of
# its `__init__.py`; without one, the title is the folder name made
# readable (`readable_folder_name`). The `__init__.py` is the section's
# index page too, published at the folder's own address (`a/b/`), first
# among its pages, with every line of it: a package's `__init__.py` is
# often its main implementation. The source folder's own `__init__.py` is
# the home page's introduction (`home_introduction`).
#
# The languages are those of the mkdocs-static-i18n plugin in `mkdocs.yml`.
# `x.py` is a page in the default language and `x_zh.py` the same page in
# the language whose locale is `zh`: one page in two languages, published
# at the same path in each language's tree (the default language at the
# root of the site, the others under `zh/` and so on). The same goes for a
# chapter's `__init___zh.py`.
NUMERIC_PREFIX = re.compile(r"^(\d+)_")


def site_languages(config):
    i18n = config.plugins.get("i18n")
    if i18n is None:
        locale = config.theme.get("language") or str(config.theme.locale)
        return [Language(locale, locale, "", "")]
    return [Language(language.locale, language.name, "" if language.default else f"{language.locale}/")
            for language in i18n.config.languages if language.build]


def split_locale(stem, languages):
    for language in languages:
        if language.folder and stem.endswith(f"_{language.locale}"):
            return stem[: -len(language.locale) - 1], language.locale
    return stem, next(language.locale for language in languages if not language.folder)


# The name cut into text and numbers: text at even places, numbers at odd
# ones, so that two keys always compare. A name that starts with a number
# starts with "" and so comes before every name that starts with a letter.
def reading_order(path):
    return [int(part) if index % 2 else part for index, part in enumerate(re.split(r"(\d+)", path.name))]


# The site's own pages: the guide's, the generator's, and "Test results".
GENERATOR_PAGE, GENERATOR_FOLDER = "build_docs", "literate"
GUIDE = "guide"
SETTINGS_PAGE = f"{GUIDE}/configuration"
TEST_RESULTS_PAGE = "test-results"


def find_chapters(source_dir, config_dir, languages, generator_pages=False):
    source_dir = Path(source_dir)
    chapters = [Chapter("", {}, pages_in(source_dir, "", config_dir, languages), folder=source_dir,
                        introduction=home_introduction(source_dir, languages)),
                *sections_in(source_dir, "", config_dir, languages)]
    check_one_source_per_page(pages_of(chapters))
    # The site's own pages come after the course, under "About this site":
    # "Test results" in every language, and the guide's and the generator's
    # pages, which are written in English (a site without English has them in its
    # default language's tree).
    locales = [language.locale for language in languages]
    english = "en" if "en" in locales else next(language.locale for language in languages if not language.folder)
    chapters.append(Chapter("", {}, tuple(
        Page(None, TEST_RESULTS_PAGE, "", language.locale, words(language.locale)["test_results"],
             words(language.locale)["test_results_summary"]) for language in languages), about=True))
    if generator_pages:
        guide = {language.locale: (words(language.locale)["guide"], "") for language in languages}
        chapters.append(Chapter(GUIDE, guide, (
            *(Page(path, f"{GUIDE}/{NUMERIC_PREFIX.sub('', page_name(path))}", repo_path(path, config_dir), english,
                   generator=True) for path in guide_files()),
            Page(None, SETTINGS_PAGE, "", english, "Configuration", "Every setting of the plugin, with its default."),
        ), about=True))
        generator = {language.locale: (words(language.locale)["generator"], "") for language in languages}
        chapters.append(Chapter("", generator, tuple(
            Page(path, generator_page_name(path), repo_path(path, config_dir), english, generator=True)
            for path in generator_files()),
            about=True))
    return chapters


# The chapter "The generator" is this program, read by itself:
# `build_docs.py` at `build_docs/`, then each stage of `literate/` at its
# path in the repository, in pipeline order. Before it, the chapter "Guide"
# is its manual: the pages of `literate/guide/`, written text first in
# English, at `guide/`, and last the reference of the settings, made from
# the plugin's settings when the site is written. Only a site whose
# settings ask for them has them (`generator_pages`): this repository's.
# Neither is a tutorial: no notebook, no row in "Test results".
def generator_files():
    return [ROOT / "build_docs.py"] + [ROOT / GENERATOR_FOLDER / f"{stage}.py" for stage in STAGES]


def guide_files():
    return sorted(tutorial_sources(ROOT / GENERATOR_FOLDER / GUIDE), key=reading_order)


def generator_page_name(path):
    return GENERATOR_PAGE if path.parent == ROOT else f"{GENERATOR_FOLDER}/{path.stem}"


# Every chapter and section, each before the sections in it.
def all_chapters(chapters):
    for chapter in chapters:
        yield chapter
        yield from all_chapters(chapter.sections)


# The pages made from a source file: all but "Test results".
def pages_of(chapters):
    return [page for chapter in all_chapters(chapters) for page in chapter.pages if page.source is not None]


# A folder is a section when a source is in it or in a folder within it.
# A symbolic link back to a folder it is in would be a section in itself
# forever: it is no section.
def sections_in(folder, parent_slug, config_dir, languages):
    around = {folder.resolve(), *folder.resolve().parents}
    folders = sorted((path for path in folder.iterdir()
                      if path.is_dir() and path.resolve() not in around and holds_sources(path)), key=reading_order)
    return tuple(section(path, posixpath.join(parent_slug, NUMERIC_PREFIX.sub("", path.name)), config_dir, languages)
                 for path in folders)


def holds_sources(folder):
    return any(itertools.chain(folder.rglob("*.py"), folder.rglob("*" + LITERATE_SUFFIX)))


def section(folder, slug, config_dir, languages):
    pages = tuple(Page(path, f"{slug}/index", repo_path(path, config_dir), language.locale)
                  for language in languages if (path := index_source(folder, language)).exists())
    return Chapter(slug, None, pages + pages_in(folder, slug, config_dir, languages),
                   sections=sections_in(folder, slug, config_dir, languages), folder=folder)


def index_source(folder, language):
    return folder / f"__init__{f'_{language.locale}' if language.folder else ''}.py"


def is_section_index(page):
    return posixpath.basename(page.name) == "index" and page_name(Path(page.source)).startswith("__init__")


def pages_in(folder, slug, config_dir, languages):
    pages = []
    for path in sorted(tutorial_sources(folder), key=reading_order):
        stem, locale = split_locale(page_name(path), languages)
        if stem != "__init__":
            name = posixpath.join(slug, NUMERIC_PREFIX.sub("", stem))
            pages.append(Page(path, name, repo_path(path, config_dir), locale))
    return tuple(pages)


# What a page is titled when its source gives no title: its file name, or
# for a section's index page, its folder's.
def untitled_name(page):
    folder, name = posixpath.split(page.name)
    return posixpath.basename(folder) if folder and is_section_index(page) else name


# A file found in the source folder must really be there: a symbolic link
# that leads out of it (to `/etc/passwd`, to a private folder) is never
# followed into the published site. Links within the folder are fine.
def check_sources_stay_inside(pages, source_dir):
    source_dir = Path(source_dir).absolute()
    inside = source_dir.resolve()
    problems = []
    for page in pages:
        found = Path(page.source).absolute()
        if source_dir not in found.parents:
            continue  # the generator's own page, which is not a source
        target = found.resolve()
        if inside not in target.parents:
            problems.append(f"{display_path(found)}:1:1: links to {target}, outside {display_path(source_dir)}; "
                            "not followed")
    if problems:
        raise BuildError("\n".join(problems))


# MkDocs publishes page `x` at `x/` and `index` or `README` at their folder's
# own address. Two pages at one URL would silently overwrite each other, and
# so would two whose URLs differ only in letter case, on macOS and Windows,
# whose file systems ignore it; `a_b/` and `a-b/` are told apart by no
# reader either. A page `x` beside a folder `x/` of pages takes the address
# of the folder. Each of these stops the build, naming both sources. The
# addresses are those in the page's language tree (`zh/x/`), where the home
# page and "Test results" of each language are taken already.
def page_url(name):
    parts = name.split("/")
    if is_folder_index(name):
        parts.pop()
    return "".join(part + "/" for part in parts)


def is_folder_index(name):
    return name.split("/")[-1] in ("index", "README")


def url_key(url):
    return url.casefold().replace("_", "-")


def check_page_urls(pages, languages):
    owners = {url_key(tree + url): (tree + url, page) for tree in (language.folder for language in languages)
              for url, page in (("", "the home page"), (page_url(TEST_RESULTS_PAGE), "the test results page"))}
    folders = {}
    problems = []
    for page in pages:
        url, source = published_url(page, languages), display_path(page.source)
        if url_key(url) in owners:
            other_url, other = owners[url_key(url)]
            why = "" if url == other_url else " (URLs may not differ only in letter case or in - and _)"
            problems.append(f"{source}:1:1: its page /{url} clashes with /{other_url} of {other}{why}")
        owners.setdefault(url_key(url), (url, source))
        parts = (language_of(page, languages).folder + page.name).split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            folders.setdefault(url_key("".join(part + "/" for part in parts[:depth])), source)
    for page in pages:
        url = published_url(page, languages)
        if url_key(url) in folders and not is_folder_index(page.name):
            problems.append(f"{display_path(page.source)}:1:1: its page /{url} is also the folder of "
                            f"{folders[url_key(url)]}")
    if problems:
        raise BuildError("\n".join(problems))


# A section's title and introduction are known once its index pages are
# rendered: each `__init__.py` is parsed once, where its page is rendered,
# in a worker (see "Pages"), and its rendering carries its `IndexHeading`.
# Finding the site reads no source, and a build whose pages come from the
# cache reads none of them again. Until then a section's headings are None.
#
# A language without its own `__init___zh.py` takes the title and
# introduction of the default language. Each of these files is the
# section's index page (see above), in its language. The home page shows
# the section's introduction under its title, as the course's chapters
# want; when any of them holds code, the page is more than its
# introduction, and the home page shows the title alone and lists the page.
@dataclass(frozen=True)
class IndexHeading:
    title: str  # None without a title of its own
    intro: str  # Markdown
    code_line: int  # the first line of code in it, 0 without code


def titled_sections(chapters, languages, headings):
    """The chapters, each section with its headings; `headings` maps its index pages to their `IndexHeading`s."""
    def titled(chapter):
        sections = tuple(titled(section) for section in chapter.sections)
        if chapter.headings is not None:
            return replace(chapter, sections=sections)
        name = readable_folder_name(posixpath.basename(chapter.slug))
        read = {page.lang: headings[page] for page in chapter.pages if page in headings}
        shown = {locale: (name if heading.title is None else heading.title, heading.intro)
                 for locale, heading in read.items()}
        default = shown.get(next(language.locale for language in languages if not language.folder), (name, ""))
        titles = {language.locale: shown.get(language.locale, default) for language in languages}
        if not any(heading.code_line for heading in read.values()):
            return replace(chapter, headings=titles, sections=sections, index_listed=False)
        return replace(chapter, headings={locale: (title, "") for locale, (title, _) in titles.items()},
                       sections=sections, index_listed=True)

    return [titled(chapter) for chapter in chapters]


# The source folder's own `__init__.py` (and `__init___zh.py`) is the
# home page's introduction, in its language: a series laid out as a
# package opens there. Its title, when it has one, heads the home page in
# place of the site's name. The home page shows no code: code there is a
# warning at its first line (`unshown_code`), never dropped silently.
@dataclass(frozen=True)
class HomeIntroduction:
    path: Path
    title: str  # "" without a title of its own
    intro: str  # Markdown
    code_line: int  # the first line of code in it, 0 without code


def home_introduction(source_dir, languages):
    found = {}
    for language in languages:
        path = index_source(source_dir, language)
        if path.exists():
            try:
                heading = index_heading(parse_code(read_source(path)))
            except SourceError as error:
                raise located(path, error) from None
            found[language.locale] = HomeIntroduction(path, heading.title or "", heading.intro, heading.code_line)
    default = next((found[language.locale] for language in languages if not language.folder
                    and language.locale in found), None)
    return {language.locale: found.get(language.locale, default) for language in languages
            if found.get(language.locale, default)}


def unshown_code(chapters):
    return [f"{display_path(home.path)}:{home.code_line}: warning: the source folder's __init__.py is the home "
            "page's introduction, which shows no code: its code is not shown; move it into a module"
            for home in dict.fromkeys(chapters[0].introduction.values()) if home.code_line]


def index_heading(parsed):
    sections = parsed.sections
    docs = sections[0].docs.strip() if sections else ""
    code = next((section.code_line_numbers[0] for section in sections
                 if section.code.strip() and section.code_line_numbers), 0)
    front = read_front_matter(docs)
    if front.title:
        return IndexHeading(front.title, front.rest.strip(), code)
    first, _, rest = docs.partition("\n")
    if first.startswith("# "):
        return IndexHeading(first[2:].strip(), rest.strip(), code)
    return IndexHeading(None, docs, code)


# Two sources that would be published at the same address (`01_a.py` and
# `a.py`) are an error: otherwise one of them would silently vanish.
def check_one_source_per_page(pages):
    seen = {}
    for page in pages:
        other = seen.setdefault((page.lang, page.name), page.source)
        if other != page.source:
            raise BuildError(f"{display_path(page.source)}: page {page.name!r} already comes from {display_path(other)}")


def repo_path(path, config_dir):
    try:
        return Path(path).resolve().relative_to(config_dir).as_posix()
    except ValueError:
        return Path(path).name


# A page's downloads are named after its source: `x.py`, `x.py.txt`, and for
# a tutorial its notebook `x.ipynb` (see the notebook stage).
NOTEBOOK_SUFFIX = ".ipynb"


def download_name(page):
    return posixpath.join(posixpath.dirname(page.name), page_name(page.source))


# The versions of each page of a chapter, by locale, in reading order.
def translations(pages):
    versions = {}
    for page in pages:
        versions.setdefault(page.name, {})[page.lang] = page
    return list(versions.values())


# Where a page is published, and the URL that leads from one page of the
# site to another across the language trees. Within a language, links are
# to `.md` files, which MkDocs checks; across languages they are URLs.
def language_of(page, languages):
    return next(language for language in languages if language.locale == page.lang)


def published_url(page, languages):
    return language_of(page, languages).folder + page_url(page.name)


def url_from(start_url, page, languages):
    return posixpath.relpath(published_url(page, languages) or ".", start_url or ".") + "/"


# The words the generator writes itself, in each language: every word a
# page shows that its author did not write (actions, status lines, test
# marks, the notice of a missing translation, the test results) comes from
# the table of the page's language. Another language is another table with
# the same keys (`tests/test_site.py` checks that they are); a language
# missing here gets the English one. `{name}` is filled in where the words
# are used; "tests" is singular and plural; "languages" names languages in
# this one, and a language it does not name is called by its own name.
WORDS = {
    "en": {
        "home": "Home",
        "guide": "Guide",
        "generator": "The generator",
        "about": "About this site",
        "untranslated": 'This page has no English version yet. Read it in {language}: <a href="{url}">{title}</a>.',
        "languages": {"en": "English", "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "fr": "French",
                      "de": "German", "es": "Spanish", "ru": "Russian"},
        "untranslated_item": " (no English version)",
        "untranslated_group": "These pages have no English version: ",
        "not_found_title": "404: no such page",
        "not_found": "This site has no page at this address.",
        "site_links": "Site links",
        "breadcrumbs": "Breadcrumbs",
        "page_actions": "Page actions",
        "view_source": "View code on GitHub",
        "colab": "Open in Colab",
        "download_notebook": "Download notebook",
        "download_code": "Download .py",
        "download_text": "Download as literate text",
        "section_link": "Link to this section",
        "test_results": "Test results",
        "test_results_summary": "Every tutorial's tests in this build, slowest first.",
        "test_results_intro": "Every tutorial's tests as this build ran them, or found them unchanged in its cache.",
        "column_tutorial": "Tutorial",
        "column_result": "Result",
        "column_time": "Time",
        "column_ran_on": "Ran on",
        "no_tests": "no tests",
        "tests": ("{n} test", "{n} tests"),
        "seconds": "{seconds} s",
        "took": " in {seconds} s",
        "skipped_count": ", {n} skipped",
        "summary_passed": "{tests} passed{took}",
        "summary_not_run": "{tests}, not run in this build (--no-run)",
        "summary_running": "{tests} running; their verdict shows here when they finish",
        "summary_timed_out": "timed out: {problem}",
        "summary_could_not_run": "the tests could not run: {problem}",
        "summary_failed": "{failed} of {tests} failed{took}: {named}",
        "expected_failure": " · expected to fail",
        "expected_failure_why": " · expected to fail: {why}",
        "ran_on": "ran on {runtime}",
        "state_passed": "passed",
        "state_failed": "failed",
        "state_error": "error",
        "state_skipped": "skipped",
        "state_not_run": "not run",
        "state_running": "running",
        "state_timed_out": "timed out",
        "function_problem": "{state}: {message}",
        "function_passed": "passed in {seconds} s",
        "function_cases_passed": "{n} cases passed in {seconds} s",
        "function_timed_out": "did not finish: timed out",
        "function_did_not_run": "did not run",
        "printed": "What {function} printed",
    },
    "zh": {
        "home": "首页",
        "guide": "指南",
        "generator": "生成器",
        "about": "关于本站",
        "untranslated": '本页还没有中文版。请阅读{language}版：<a href="{url}">{title}</a>。',
        "languages": {"en": "英文", "zh": "中文", "ja": "日文", "ko": "韩文", "fr": "法文", "de": "德文", "es": "西班牙文",
                      "ru": "俄文"},
        "untranslated_item": "（没有中文版）",
        "untranslated_group": "以下页面没有中文版：",
        "not_found_title": "404：找不到这个页面",
        "not_found": "本站没有这个地址的页面。",
        "site_links": "站点链接",
        "breadcrumbs": "当前位置",
        "page_actions": "页面操作",
        "view_source": "在 GitHub 上查看代码",
        "colab": "在 Colab 中打开",
        "download_notebook": "下载 Notebook",
        "download_code": "下载 .py 文件",
        "download_text": "下载文学编程文本",
        "section_link": "链接到本节",
        "test_results": "测试结果",
        "test_results_summary": "本次构建中每篇教程的测试，用时最长的在前。",
        "test_results_intro": "每篇教程的测试：本次构建运行了它们，或在缓存中找到了未变的结果。",
        "column_tutorial": "教程",
        "column_result": "结果",
        "column_time": "用时",
        "column_ran_on": "运行环境",
        "no_tests": "没有测试",
        "tests": ("{n} 项测试", "{n} 项测试"),
        "seconds": "{seconds} 秒",
        "took": "，用时 {seconds} 秒",
        "skipped_count": "，跳过 {n} 项",
        "summary_passed": "{tests}通过{took}",
        "summary_not_run": "{tests}，本次构建没有运行（--no-run）",
        "summary_running": "{tests}正在运行，结束后在这里显示结果",
        "summary_timed_out": "超时：{problem}",
        "summary_could_not_run": "测试无法运行：{problem}",
        "summary_failed": "{tests}中有 {failed} 项失败{took}：{named}",
        "expected_failure": " · 预期失败",
        "expected_failure_why": " · 预期失败：{why}",
        "ran_on": "运行环境：{runtime}",
        "state_passed": "通过",
        "state_failed": "失败",
        "state_error": "出错",
        "state_skipped": "跳过",
        "state_not_run": "未运行",
        "state_running": "运行中",
        "state_timed_out": "超时",
        "function_problem": "{state}：{message}",
        "function_passed": "通过，用时 {seconds} 秒",
        "function_cases_passed": "{n} 个用例通过，用时 {seconds} 秒",
        "function_timed_out": "未完成：超时",
        "function_did_not_run": "没有运行",
        "printed": "{function} 的输出",
    },
}


def words(locale):
    return WORDS.get(locale, WORDS["en"])


def count_of_tests(locale, n):
    singular, plural = words(locale)["tests"]
    return (singular if n == 1 else plural).format(n=n)


# The navigation of each language: its home page, then the chapters of
# the course in order, each a section titled in that language, then the
# site's own pages in a section "About this site". mkdocs-static-i18n
# takes a navigation per language.
def navigation(chapters, locale):
    def entries(chapters):
        nav = []
        for chapter in chapters:
            names = [f"{next(iter(versions.values())).name}.md" for versions in translations(chapter.pages)]
            names += entries(chapter.sections)
            if chapter.headings and names:
                nav.append({html.escape(chapter.headings[locale][0], quote=False): names})
            else:
                nav.extend(names)
        return nav

    about = entries(chapter for chapter in chapters if chapter.about)
    return (["index.md"] + entries(chapter for chapter in chapters if not chapter.about)
            + ([{html.escape(words(locale)["about"], quote=False): about}] if about else []))


def configure_navigation(config, chapters):
    i18n = config.plugins.get("i18n")
    if i18n is None:
        config["nav"] = navigation(chapters, site_languages(config)[0].locale)
        return
    for language in i18n.config.languages:
        language.nav = navigation(chapters, language.locale)
