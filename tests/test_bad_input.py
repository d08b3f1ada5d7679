"""Bad input never costs a page.

Each case runs `python build_docs.py --source TMP --site-dir TMP` as an
author would, and checks what the author sees: the exit status, one
`path:line:col: message` line per broken file, no traceback, and a previous
site that is byte for byte what it was.
"""

import datetime
import html
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import build_docs
import literate.read
import literate.parse
import literate.site
import literate.swap
from site_html import code_lines, code_rows_of, squeeze, visible_text
from support import ROOT, page, project_config, run_command, snapshot

GOOD = "# Fine.\nx = 1\n"


# This project's settings, without the generator's pages unless a test
# needs them: each build here starts from a cache of its own.
def build(workdir, *, source="source", site="site", env=None, generator_pages=False):
    settings = project_config(workdir, generator_pages=generator_pages)
    return run_command("--source", source, "--site-dir", site, "--cache-dir", Path(workdir) / ".cache",
                       "--config", settings, cwd=workdir, env=env)


def make_sources(folder, files):
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return folder


@pytest.fixture(scope="module")
def previous_site(tmp_path_factory):
    """A site built from one good source: what every failed build must leave alone."""
    work = tmp_path_factory.mktemp("previous")
    make_sources(work / "source", {"good.py": GOOD})
    result = build(work)
    assert result.returncode == 0, result.stderr
    return work / "site", snapshot(work / "site")


def failed_build(tmp_path, previous_site, files, generator_pages=False):
    site, before = previous_site
    make_sources(tmp_path / "source", {"good.py": GOOD, **files})
    result = build(tmp_path, site=site, generator_pages=generator_pages)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert snapshot(site) == before, "a failed build changed the previous site"
    return result.stderr


# ## A source Python cannot read or parse
#
# Each is one file beside a good one; one build reads them all and names
# each, at the line and column Python gives.
BROKEN = {
    "syntax.py": (b"x = 1\ndef f(:\n", "2:7: invalid syntax"),
    "not_utf8.py": (b"x = 1\ns = 'caf\xe9'\n", "2:9: is not valid utf-8 (byte 0xe9)"),
    "nul.py": (b"x = 1\ny = \x00\n", "2:5: contains a NUL byte"),
    "binary.py": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "1:1: is not valid utf-8 (byte 0x89)"),
    "utf16.py": ("x = 1\n".encode("utf-16"), "1:1: is not valid utf-8 (byte 0xff)"),
    "tab_error.py": (b"if True:\n\tx = 1\n        y = 2\n", "3:1: inconsistent use of tabs and spaces"),
    "dedent.py": (b"if True:\n    x = 1\n  y = 2\n", "3:8: unindent does not match any outer indentation level"),
    "unterminated.py": (b's = "abc\n', "1:5: unterminated string literal"),
    "unterminated_triple.py": (b'x = 1\ns = """abc\n\ny = 2\n', "2:5: unterminated triple-quoted string literal"),
    "unclosed.py": (b"x = [1,\n", "1:5: '[' was never closed"),
    "crlf_error.py": (b"x = 1\r\ny = (\r\n", "2:5: '(' was never closed"),
    "cr_error.py": (b"x = 1\ry = )\r", "2:5: unmatched ')'"),
    "unknown_cookie.py": (b"# -*- coding: klingon -*-\nx = 1\n", "1:1: unknown encoding: klingon"),
    "not_its_cookie.py": (b"# coding: ascii\nx = 1\ns = 'caf\xc3\xa9'\n", "3:9: is not valid ascii (byte 0xc3)"),
    "bom_and_cookie.py": (b"\xef\xbb\xbf# coding: latin-1\nx = 1\n", "1:1: starts with a UTF-8 byte-order mark"),
    "nested.py": (b"x = " + b"-" * 100_000 + b"1\n", "1:1: nested too deeply for Python's parser"),
}


@pytest.fixture(scope="module")
def broken_build(tmp_path_factory, previous_site):
    work = tmp_path_factory.mktemp("broken")
    (work / "source").mkdir()
    (work / "source" / "folder.py").mkdir()
    (work / "source" / "dangling.py").symlink_to("no_such_file.py")
    return failed_build(work, previous_site, {name: content for name, (content, _) in BROKEN.items()})


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_source_gets_one_line_naming_file_line_and_column(broken_build, name):
    lines = [line for line in broken_build.splitlines() if line.startswith(f"source/{name}:")]
    assert len(lines) == 1, broken_build
    assert lines[0].startswith(f"source/{name}:{BROKEN[name][1]}"), lines[0]


def test_a_folder_or_a_dangling_link_named_py_is_named_too(broken_build):
    assert "source/folder.py:1:1: cannot be read: Is a directory" in broken_build
    assert "source/dangling.py:1:1: cannot be read: No such file or directory" in broken_build


def test_nothing_but_the_broken_files_is_reported(broken_build):
    assert len(broken_build.strip().splitlines()) == len(BROKEN) + 2, broken_build
    assert "good.py" not in broken_build


# Every source is parsed before any tutorial's tests run: a syntax error
# stops the build before the test of the tutorial beside it, which would
# leave a file behind, has run.
def test_a_syntax_error_stops_the_build_before_any_test_runs(tmp_path, previous_site):
    tested = "from pathlib import Path\n\n\ndef test_runs():\n    Path(__file__).with_suffix('.ran').touch()\n"
    stderr = failed_build(tmp_path, previous_site, {"a_tested.py": tested, "z_syntax.py": b"x = 1\ndef f(:\n"})
    assert "source/z_syntax.py:2:7: invalid syntax" in stderr
    assert not (tmp_path / "source" / "a_tested.ran").exists()


# ## Sources that are odd but valid build correct pages
#
# One site holds them all, among them a 50,000-line file; the kill test
# below uses it as the "old site" too.
LATIN1 = "# -*- coding: latin-1 -*-\n# Café au lait.\ns = 'café'\n"
MARKUP = (
    "# Markup in code is text: `</script>` and {{ site_name }} here too.\n"
    's = "</script><script>alert(1)</script>"\n'
    't = "<!-- not a comment -->"\n'
    'u = "{{ config.site_name }} {% if x %}y{% endif %}"\n'
    'v = "&amp; &lt;"\n'
)
COMMENTARY = (
    "# Fine so far.\n"
    "x = 1\n"
    "# A formula with no end: $$a + b\n"
    "y = 2\n"
    "# An unknown command: $$\\notacommand x$$\n"
    "z = 3\n"
    "# Raw HTML: <div class=\"oops\"> never closed\n"
    "w = 4\n"
    "# Bold <b>words</b> and a <!-- hidden --> remark.\n"
    "v = 5\n"
)


def big_source():
    """50,000 lines of commented code with docstrings and math."""
    chunk = [
        "# ## Step {n}",
        "#",
        "# Why step {n} adds $x_{{{n}}}$ to the total.",
        "def step_{n}(total, x):",
        '    """Add `x` to `total`."""',
        "    if x < 0:  # a trailing comment",
        "        raise ValueError('# not a comment')",
        "    return total + x",
        "",
        "",
    ]
    lines = [line.format(n=n) for n in range(5000) for line in chunk]
    assert len(lines) == 50_000
    return "\n".join(lines) + "\n"


ODD = {
    "empty.py": b"",
    "only_comments.py": "# One.\n# Two.\n\n# Three.\n",
    "only_docstring.py": '"""\n# Only a docstring\n\nIts words.\n"""\n',
    "crlf.py": b"# Windows.\r\nx = 1\r\n",
    "cr.py": b"# Old Mac.\rx = 1\r",
    "bom.py": b"\xef\xbb\xbf# With a BOM.\nx = 1\n",
    "tabs.py": "if True:\n\t# Tabbed.\n\tx = 1\n",
    "control_characters.py": "if True:\n\tx = '\t\x02\x03\x0c\x1c'\n",
    "latin1.py": LATIN1.encode("latin-1"),
    "markup.py": MARKUP,
    "commentary.py": COMMENTARY,
    "title.py": '"""\n# A <i>title</i> & {{ c }}\n"""\nx = 1\n',
    "big.py": big_source(),
}


@pytest.fixture(scope="module")
def odd_site(tmp_path_factory):
    work = tmp_path_factory.mktemp("odd")
    make_sources(work / "source", ODD)
    os.symlink("markup.py", work / "source" / "linked_inside.py")  # a link within source/ is fine
    result = build(work)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return work, result.stderr


def shown_and_expected(work, name):
    """The page's code column, and every line of the source that holds code."""
    text = build_docs.read_source(work / "source" / name)
    lines = literate.parse.split_lines(text)
    shown = code_lines(page(work / "site", Path(name).stem))
    return shown, lines, code_rows_of(text)


@pytest.mark.parametrize("name", sorted(ODD) + ["linked_inside.py"])
def test_an_odd_source_builds_a_page_with_every_code_line_verbatim(odd_site, name):
    work, _ = odd_site
    shown, lines, code = shown_and_expected(work, name)
    assert {n: lines[n - 1] for n in shown} == shown, "a line on the page differs from the source"
    assert set(shown) >= code, "a code line is missing from the page"


def test_empty_comment_only_and_docstring_only_files(odd_site):
    work, _ = odd_site
    assert code_lines(page(work / "site", "empty")) == {}
    text = visible_text(page(work / "site", "only_comments"))
    assert "One." in text and "Two." in text and "Three." in text
    assert code_lines(page(work / "site", "only_comments")) == {}
    body = page(work / "site", "only_docstring")
    assert "<h1>Only a docstring</h1>" in body and "Its words." in visible_text(body)


def test_line_endings_bom_tabs_and_a_coding_line(odd_site):
    work, _ = odd_site
    assert code_lines(page(work / "site", "crlf")) == {2: "x = 1"}
    assert code_lines(page(work / "site", "cr")) == {2: "x = 1"}
    assert "Old Mac." in visible_text(page(work / "site", "cr"))
    bom = page(work / "site", "bom")
    assert code_lines(bom) == {2: "x = 1"} and "With a BOM." in visible_text(bom) and "\ufeff" not in bom
    assert code_lines(page(work / "site", "tabs")) == {1: "if True:", 3: "\tx = 1"}
    latin1 = page(work / "site", "latin1")
    assert code_lines(latin1)[3] == "s = 'café'" and "Café au lait." in visible_text(latin1)


def test_markup_in_code_is_shown_as_written_and_never_run_or_templated(odd_site):
    work, _ = odd_site
    body = page(work / "site", "markup")
    assert code_lines(body) == dict(list(enumerate(MARKUP.splitlines(), start=1))[1:])
    assert "<script>alert(1)" not in body and "<!-- not a comment -->" not in body
    text = visible_text(body)
    assert "{{ config.site_name }} {% if x %}y{% endif %}" in text
    assert "&amp; &lt;" in text and "{{ site_name }}" in text and "</script>" in text


def test_broken_commentary_warns_at_its_line_and_shows_its_source(odd_site):
    work, stderr = odd_site
    assert re.search(r"^source/commentary\.py:3: warning: unbalanced \$\$", stderr, re.M), stderr
    assert re.search(r"^source/commentary\.py:5: warning: cannot render math .*notacommand", stderr, re.M)
    assert re.search(r"^source/commentary\.py:7: warning: raw HTML is shown as text: '<div", stderr, re.M)
    body = page(work / "site", "commentary")
    text = visible_text(body)
    assert "$$a + b" in text and "$$\\notacommand x$$" in text and '<div class="oops">' in text
    # The unclosed <div> is text, so the page's own divs still balance.
    assert body.count("<div") == body.count("</div>")


def test_bold_tags_and_html_comments_in_commentary_are_shown_as_text(odd_site):
    work, stderr = odd_site
    assert re.search(r"^source/commentary\.py:9: warning: raw HTML is shown as text", stderr, re.M), stderr
    body = page(work / "site", "commentary")
    assert "Bold <b>words</b> and a <!-- hidden --> remark." in squeeze(visible_text(body))
    assert "<b>words" not in body and "<!-- hidden" not in body


def test_raw_html_in_a_title_is_text_everywhere_the_title_is(odd_site):
    work, stderr = odd_site
    assert "source/title.py:2: warning: raw HTML is shown as text: '<i>'" in stderr
    title = "A <i>title</i> & {{ c }}"
    assert f"<h1>{html.escape(title, quote=False)}</h1>" in page(work / "site", "title")
    home = (work / "site" / "index.html").read_text(encoding="utf-8")
    assert f'<a href="title/">{html.escape(title, quote=False)}</a>' in home
    assert "<i>title</i>" not in home + page(work / "site", "title")


def test_a_50000_line_file_builds(odd_site):
    work, _ = odd_site
    shown = code_lines(page(work / "site", "big"))
    assert len(shown) == 5000 * 6 and shown[4] == "def step_0(total, x):"
    assert shown[49_998] == "    return total + x"


# ## Sources that would overwrite each other, or lead outside source/
def test_pages_with_the_same_url_are_an_error(tmp_path, previous_site):
    stderr = failed_build(tmp_path, previous_site, {
        "a_b.py": GOOD, "a-b.py": GOOD, "Upper.py": GOOD, "upper.py": GOOD,
        "index.py": GOOD, "build_docs.py": GOOD, "test_results.py": GOOD,
    }, generator_pages=True)  # the page of build_docs.py is one of them
    readme = failed_build(tmp_path / "readme", previous_site, {"README.py": GOOD, "test-results.py": GOOD})
    assert "source/README.py:1:1: its page / clashes with / of the home page" in readme, readme
    assert "source/test-results.py:1:1: its page /test-results/ clashes with /test-results/ of the test " \
        "results page" in readme, readme
    assert "source/a_b.py:1:1: its page /a_b/ clashes with /a-b/ of source/a-b.py" in stderr
    assert "source/upper.py:1:1: its page /upper/ clashes with /Upper/ of source/Upper.py" in stderr
    assert "source/index.py:1:1: its page / clashes with / of the home page" in stderr
    assert "source/test_results.py:1:1: its page /test_results/ clashes with /test-results/ of the test " \
        "results page (URLs may not differ only in letter case or in - and _)" in stderr
    clash = [line for line in stderr.splitlines() if "source/build_docs.py" in line]
    assert len(clash) == 1 and "/build_docs/ clashes with /build_docs/" in clash[0], stderr


LANGUAGES = [literate.site.Language("en", "English", ""), literate.site.Language("zh", "中文", "zh/")]


@pytest.mark.quick
def test_a_page_beside_a_folder_of_pages_is_an_error():
    def pages(*names):
        return [literate.site.Page(Path(f"source/{name}.py"), name, "", "en") for name in names]

    with pytest.raises(literate.read.BuildError, match=r"source/x\.py:1:1: its page /x/ is also the folder of "
                                                    r"source/X/y\.py"):
        literate.site.check_page_urls(pages("x", "X/y"), LANGUAGES)
    literate.site.check_page_urls(pages("x/index", "x/y", "z"), LANGUAGES)  # a folder's own index is its page


# Each language is published in a tree of its own: an English chapter named
# `zh` would land in the Chinese tree.
@pytest.mark.quick
def test_pages_clash_across_the_language_trees():
    english = literate.site.Page(Path("source/zh/x.py"), "zh/x", "", "en")
    chinese = literate.site.Page(Path("source/x_zh.py"), "x", "", "zh")
    with pytest.raises(literate.read.BuildError, match=r"source/x_zh\.py:1:1: its page /zh/x/ clashes with /zh/x/"):
        literate.site.check_page_urls([english, chinese], LANGUAGES)
    literate.site.check_page_urls([literate.site.Page(Path("source/x.py"), "x", "", "en"), chinese], LANGUAGES)


def test_a_link_out_of_the_source_folder_is_not_followed(tmp_path, previous_site):
    secret = tmp_path / "secret.py"
    secret.write_text("# A private file.\nPASSWORD = 1\n", encoding="utf-8")
    (tmp_path / "source").mkdir()
    (tmp_path / "source" / "leak.py").symlink_to(secret)
    stderr = failed_build(tmp_path, previous_site, {})
    assert stderr.strip() == f"source/leak.py:1:1: links to {secret}, outside source; not followed"


# ## The site folder: refused where it would delete anything else
#
# A refusal that regressed would replace the folder it was given. So these
# builds run a copy of the generator in a temporary folder, which is then
# its repository: the checkout and its parent are never at stake.
GENERATOR = ["build_docs.py", "literate", "mkdocs.yml", "site_templates", "source/search_words_zh.txt"]


def copy_of_the_generator(repo):
    (repo / "source").mkdir(parents=True)
    for name in GENERATOR:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, repo / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif (ROOT / name).exists():
            shutil.copy2(ROOT / name, repo / name)
    return repo / "build_docs.py"


@pytest.mark.parametrize("where", ["source", "parent of source", "repository", "parent of repository",
                                   "folder of other files", "a file"])
def test_a_site_dir_that_would_delete_other_things_is_refused(tmp_path, where):
    generator = copy_of_the_generator(tmp_path / "repo")
    work = tmp_path / "work"
    make_sources(work / "source", {"good.py": GOOD})
    (work / "notes").mkdir()
    (work / "notes" / "keep.txt").write_text("mine", encoding="utf-8")
    (work / "file.txt").write_text("mine", encoding="utf-8")
    site = {"source": work / "source", "parent of source": work, "repository": generator.parent,
            "parent of repository": tmp_path, "folder of other files": work / "notes",
            "a file": work / "file.txt"}[where]
    before = snapshot(tmp_path)
    result = subprocess.run([sys.executable, str(generator), "--source", "source", "--site-dir", str(site),
                             "--cache-dir", str(work / ".cache")], cwd=work, capture_output=True, text=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"refusing --site-dir {site.resolve()}: "), result.stderr
    assert snapshot(tmp_path) == before


# ## Building beside the old site, swapping it in whole
#
# The build kills itself with SIGKILL as soon as MkDocs has written the new
# site into the staging folder, just before the swap: no timing is guessed.
KILLED_AFTER_MKDOCS = """
import os, signal, sys
sys.path.insert(0, sys.argv[1])
import build_docs
import literate.publish as stage
build = stage.mkdocs_build
def build_then_die(config):
    build(config)
    os.kill(os.getpid(), signal.SIGKILL)
stage.mkdocs_build = build_then_die
build_docs.main(sys.argv[2:])
"""


def test_kill_9_halfway_through_a_build_leaves_the_old_site(tmp_path, previous_site):
    site, before = previous_site
    shutil.copytree(site, tmp_path / "site")
    make_sources(tmp_path / "source", {"good.py": GOOD, "more.py": "# Now with more words.\ny = 2\n"})
    staging = tmp_path / ".site.building"
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_AFTER_MKDOCS, str(ROOT), "--source", "source", "--site-dir", "site",
         "--cache-dir", str(tmp_path / ".cache"), "--config", str(project_config(tmp_path))], cwd=tmp_path,
        capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL, f"the build was not killed: {killed.stderr}"
    assert (staging / "more" / "index.html").exists(), "the build was not killed halfway"
    assert snapshot(tmp_path / "site") == before
    # The next build clears the half-built folder, even when it fails.
    (tmp_path / "source" / "broken.py").write_text("def f(:\n", encoding="utf-8")
    result = build(tmp_path)
    assert result.returncode == 1 and not staging.exists()
    assert snapshot(tmp_path / "site") == before


def test_folders_are_exchanged_in_one_step(tmp_path):
    make_sources(tmp_path / "a", {"which": "a"})
    make_sources(tmp_path / "b", {"which": "b"})
    assert literate.swap.exchange_folders(tmp_path / "a", tmp_path / "b")
    assert (tmp_path / "a" / "which").read_text() == "b" and (tmp_path / "b" / "which").read_text() == "a"


def test_swap_without_exchange_still_replaces_the_site(tmp_path, monkeypatch):
    monkeypatch.setattr(literate.swap, "exchange_folders", lambda a, b: False)
    make_sources(tmp_path / "site", {"index.html": "old"})
    make_sources(tmp_path / ".site.building", {"index.html": "new"})
    literate.swap.swap_in(tmp_path / ".site.building", tmp_path / "site")
    assert snapshot(tmp_path / "site") == {"index.html": b"new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_site_left_aside_by_a_killed_swap_is_put_back(tmp_path, previous_site):
    site, before = previous_site
    shutil.copytree(site, tmp_path / ".site.old")  # killed between the two renames
    stderr = failed_build(tmp_path, (tmp_path / "site", before), {"broken.py": "def f(:\n"})
    assert stderr.startswith("source/broken.py:1:7:")
    assert not (tmp_path / ".site.old").exists()


# ## The same input gives the same bytes, on any day
#
# The second build runs a year later as far as it can tell: every clock a
# library could read without an argument is moved (time, datetime, date).
# It shares this run's cache with the first, as builds on one machine do:
# durations measured by a fresh run of a tutorial's tests are the one thing
# that differs between runs, so no tutorial runs again.
LATER = """
import datetime, os, runpy, sys, time
A_YEAR = 366 * 86400
real_time, real_strftime = time.time, time.strftime
def later():
    return real_time() + A_YEAR
time.time = later
time.time_ns = lambda: int(later() * 1e9)
for name in ("localtime", "gmtime", "ctime"):
    setattr(time, name, lambda seconds=None, clock=getattr(time, name): clock(later() if seconds is None else seconds))
time.strftime = lambda format, moment=None: real_strftime(format, time.localtime() if moment is None else moment)
class LaterDate(datetime.date):
    @classmethod
    def today(cls):
        return cls.fromtimestamp(later())
class Later(datetime.datetime):
    @classmethod
    def now(cls, tz=None):
        return cls.fromtimestamp(later(), tz)
    @classmethod
    def today(cls):
        return cls.fromtimestamp(later())
    @classmethod
    def utcnow(cls):
        return cls.utcfromtimestamp(later())
datetime.datetime, datetime.date = Later, LaterDate
assert time.localtime().tm_year > time.gmtime(real_time()).tm_year or time.localtime().tm_yday != time.gmtime(real_time()).tm_yday
sys.argv = sys.argv[1:]
sys.path.insert(0, os.path.dirname(sys.argv[0]))  # as `python build_docs.py` does: `literate/` is beside it
runpy.run_path(sys.argv[0], run_name="__main__")
"""


# The later build renders every page again, a year on: it has the first
# build's cache but for the rendered pages (literate/pages.py's store),
# which are set aside meanwhile; the verdicts are kept, since running the
# tutorials' tests again would prove nothing about dates.
def test_two_builds_a_year_apart_are_byte_identical(real_site, real_cache, tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "SOURCE_DATE_EPOCH"}
    shutil.move(real_cache / "pages", tmp_path / "pages")
    try:
        later = subprocess.run([sys.executable, "-c", LATER, str(ROOT / "build_docs.py"), "--source",
                                str(ROOT / "source"), "--site-dir", "later", "--cache-dir", str(real_cache)],
                               cwd=tmp_path, capture_output=True, text=True, env=env)
    finally:
        shutil.rmtree(real_cache / "pages", ignore_errors=True)
        shutil.move(tmp_path / "pages", real_cache / "pages")
    assert later.returncode == 0, later.stderr
    rerun = [line for line in later.stdout.splitlines() if " passed" in line and not line.endswith("(cached)")]
    assert not rerun, f"the second build ran tutorials again: {rerun}"
    one, two = snapshot(real_site), snapshot(tmp_path / "later")
    assert sorted(one) == sorted(two)
    differing = [name for name in one if one[name] != two[name]]
    assert not differing, f"differ between the builds: {differing}"


def test_the_sitemap_date_is_that_of_the_last_commit(real_site):
    log = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%ct"], capture_output=True, text=True)
    if log.returncode != 0:
        pytest.skip(f"not a git checkout: {log.stderr.strip()}")
    committed = datetime.datetime.fromtimestamp(int(log.stdout), datetime.timezone.utc).date().isoformat()
    sitemap = (real_site / "sitemap.xml").read_text(encoding="utf-8")
    assert set(re.findall(r"<lastmod>([^<]*)</lastmod>", sitemap)) == {committed}
