"""The built site: pages, seed content, code columns, header and footer."""

import importlib.metadata
import io
import re
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest
import yaml

import build_docs
from site_html import code_lines, squeeze, tex_annotations, visible_text

ROOT = Path(build_docs.__file__).resolve().parent
SEED = ROOT.parent / "shared" / "seed" / "000_e00b43d080c0dd34.txt"
SOURCES = sorted((ROOT / "source").glob("*.py"))
TEXT_FIRST = sorted((ROOT / "source").rglob("*" + build_docs.LITERATE_SUFFIX))
CONFIG = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    site_dir = tmp_path_factory.mktemp("built") / "site"
    build_docs.build_site(ROOT / "source", site_dir, ROOT / "mkdocs.yml")
    return site_dir


def page(site, name):
    return (site / name / "index.html").read_text(encoding="utf-8")


def test_site_has_index_tutorials_and_generator_page(site):
    assert (site / "index.html").exists()
    for source in SOURCES:
        assert (site / source.stem / "index.html").exists()
    assert "How this site is built" in page(site, "build_docs")


def code_rows_of(path):
    """Line numbers that hold any token that is not a comment: real code."""
    text = path.read_text(encoding="utf-8")
    if build_docs.is_literate_text(path):
        text = build_docs.literate_text_to_code(text)
    rows = set()
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                              tokenize.DEDENT, tokenize.ENDMARKER, tokenize.STRING):
            rows.update(range(token.start[0], token.end[0] + 1))
    return text.split("\n"), rows


@pytest.mark.parametrize("path", SOURCES + TEXT_FIRST + [ROOT / "build_docs.py"], ids=lambda p: p.name)
def test_every_code_line_is_in_the_code_column(site, path):
    lines, rows = code_rows_of(path)
    name = build_docs.page_name(path)
    shown = code_lines(page(site, name))
    assert rows
    for row in sorted(rows):
        assert shown.get(row) == lines[row - 1], f"{path.name}:{row} is not on its page"


def seed_lines():
    if not SEED.exists():
        pytest.fail(f"the seed page is missing: {SEED}")
    return [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_seed_sentence_and_code_line_is_on_the_chinese_page(site):
    text = squeeze(visible_text(page(site, "autograd_zh")))
    code = {line.strip() for line in code_lines(page(site, "autograd_zh")).values()}
    maths = {squeeze(tex) for tex in tex_annotations(page(site, "autograd_zh"))}
    for line in seed_lines():
        if line in code:
            continue
        for tex in re.findall(r"\$\$(.+?)\$\$", line):
            assert squeeze(tex) in maths, f"formula not rendered: {tex}"
        for words in re.split(r"\$\$.+?\$\$", line):
            assert squeeze(words) in text, f"seed sentence missing: {words!r}"


def test_math_is_mathml_and_no_tex_is_visible(site):
    for source in SOURCES:
        body = page(site, source.stem)
        assert "<math" in body
        text = visible_text(body)
        assert "$$" not in text and "\\cdot" not in text and "\\nabla" not in text


def test_header_links_and_view_code_on_github(site):
    body = page(site, "autograd_zh")
    for link in CONFIG["extra"]["header_links"]:
        assert f'href="{link["url"]}"' in body
    assert re.search(r'<a class="lp-bar__home" href="\.\.">HOME</a>', body)
    expected = f'{CONFIG["repo_url"]}/blob/{CONFIG["extra"]["repo_branch"]}/source/autograd_zh.py'
    assert f'href="{expected}">View code on GitHub' in body
    assert f'/blob/main/build_docs.py">View code on GitHub' in page(site, "build_docs")


def test_a_text_first_source_is_a_page_like_any_other(site):
    assert TEXT_FIRST
    for path in TEXT_FIRST:
        name = build_docs.page_name(path)
        body = page(site, name)
        heading = path.read_text(encoding="utf-8").split("\n")[0]
        assert f"<h1>{heading}</h1>" in body
        assert "<math" in body
        commentary = re.findall(r'<div class="lp-docs">(.*?)</div>\n<div class="lp-code"', body, re.S)
        assert len(commentary) > 3
        assert not any("::" in visible_text(docs) for docs in commentary)
        assert f'href="{name}/"' in (site / "index.html").read_text(encoding="utf-8")


# Each page offers its code and its literate text, written beside it; the
# text gives back the code through PyLit.
@pytest.mark.parametrize("path", SOURCES + TEXT_FIRST + [ROOT / "build_docs.py"], ids=lambda p: p.name)
def test_every_page_offers_its_code_and_its_literate_text(site, path):
    name = build_docs.page_name(path)
    body = page(site, name)
    assert f'href="../{name}.py" download>Download .py</a>' in body
    assert f'href="../{name}.py.txt" download>Download as literate text</a>' in body
    code, text = (site / f"{name}.py").read_bytes(), (site / f"{name}.py.txt").read_bytes()
    if build_docs.is_literate_text(path):
        assert text == path.read_bytes()
        assert code.decode("utf-8") == build_docs.literate_text_to_code(path.read_text(encoding="utf-8"))
    else:
        assert code == path.read_bytes()
        assert build_docs.literate_text_to_code(text.decode("utf-8")) == code.decode("utf-8")


def test_feedback_line_in_the_page_language(site):
    email = CONFIG["extra"]["contact_email"]
    zh = squeeze(visible_text(page(site, "autograd_zh")))
    en = squeeze(visible_text(page(site, "autograd")))
    assert CONFIG["extra"]["feedback"]["zh"].replace("{email}", email) in zh
    assert CONFIG["extra"]["feedback"]["en"].replace("{email}", email) in en
    assert "如果读者" not in en


def test_sections_have_permalinks(site):
    body = page(site, "autograd")
    ids = re.findall(r'<div class="lp-section" id="(section-\d+)">', body)
    assert len(ids) > 10 and len(set(ids)) == len(ids)
    for anchor in ids:
        assert f'href="#{anchor}"' in body


def test_series_conventions_render(site):
    body = page(site, "autograd_zh")
    assert '<a href="https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function">Related Link</a>' in body
    assert "<code>torch.autograd.Function</code>" in body
    assert "<strong>LinearFunction 定义概述</strong>" in body
    assert "<pre><code>这是一个" not in body


def test_index_lists_every_tutorial_with_title_and_first_line(site):
    text = squeeze(visible_text((site / "index.html").read_text(encoding="utf-8")))
    for source in SOURCES:
        sections = build_docs.parse_source(source.read_text(encoding="utf-8"))
        title, summary = build_docs.title_and_summary(sections, source.stem)
        assert title in text and squeeze(summary) in text


def test_tutorial_pages_show_their_tests_verdict(site):
    for source in SOURCES:
        count = len(build_docs.find_test_functions(source.read_text(encoding="utf-8")))
        body = page(site, source.stem)
        status = re.search(r'<p class="lp-tests lp-tests--passed"[^>]*>(.*?)</p>', body, re.S)
        text = squeeze(visible_text(status.group(1)))
        assert text.startswith(f"✓ {count} tests passed in ")
        for library in ("torch", "numpy"):
            assert f"{library} {importlib.metadata.version(library)}" in text
        assert body.count('<p class="lp-test-mark lp-test-mark--passed"') == count
    assert '<p class="lp-tests' not in page(site, "build_docs")


def test_test_results_page_lists_every_tutorial(site):
    assert 'href="test-results/"' in (site / "index.html").read_text(encoding="utf-8")
    text = squeeze(visible_text(page(site, "test-results")))
    for source in SOURCES:
        sections = build_docs.parse_source(source.read_text(encoding="utf-8"))
        assert build_docs.title_and_summary(sections, source.stem)[0] in text


def test_pages_load_nothing_from_other_hosts(site):
    for path in site.rglob("*.html"):
        body = path.read_text(encoding="utf-8")
        for url in re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="([^"]+)"', body):
            assert not re.match(r"(https?:)?//", url), f"{path}: loads {url}"


def run_build(*arguments):
    return subprocess.run([sys.executable, str(ROOT / "build_docs.py"), *arguments],
                          capture_output=True, text=True, cwd=ROOT)


def test_help_lists_the_options():
    result = run_build("--help")
    assert result.returncode == 0
    for option in ("--source", "--site-dir", "serve"):
        assert option in result.stdout


def test_syntax_error_names_file_line_and_keeps_the_old_site(tmp_path):
    source, site_dir = tmp_path / "source", tmp_path / "site"
    source.mkdir()
    (source / "good.py").write_text("# Fine.\nx = 1\n", encoding="utf-8")
    assert run_build("--source", str(source), "--site-dir", str(site_dir)).returncode == 0
    before = {p: p.read_bytes() for p in site_dir.rglob("*") if p.is_file()}
    (source / "good.py").write_text("# Broken.\nx = (1,\n", encoding="utf-8")
    result = run_build("--source", str(source), "--site-dir", str(site_dir))
    assert result.returncode == 1
    assert re.search(r"good\.py:2:\d+: .+", result.stderr.strip())
    assert "Traceback" not in result.stderr
    assert {p: p.read_bytes() for p in site_dir.rglob("*") if p.is_file()} == before
