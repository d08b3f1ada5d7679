"""
# How this site is built

This page is `build_docs.py`, the program that made it, read by itself.
Every tutorial on this site is an ordinary Python file: its comments and
docstrings are the commentary on the left, its code the column on the right.
The build runs in six small stages, and data flows one way through them:

1. **read** each source file as text;
2. **parse** it into sections of commentary and code, with `tokenize` and
   `ast`, so that a `#` inside a string can never be mistaken for a comment;
3. **render the commentary** from Markdown and TeX to HTML, math included,
   at build time: the site needs no network to show a formula;
4. **highlight the code** with Pygments, one pass per file, keeping the
   source's own line numbers;
5. **write the pages** as Markdown files that Material for MkDocs publishes;
6. **run MkDocs** into a fresh folder, and swap it in only when it succeeded.

Run `python build_docs.py --help` for the options.
"""

import argparse
import ast
import html
import io
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import textwrap
import threading
import time
import tokenize
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import markdown
import latex2mathml.converter
from markdown.inlinepatterns import InlineProcessor
from pygments.lexers import PythonLexer
from pygments.token import STANDARD_TYPES

ROOT = Path(__file__).resolve().parent
GENERATOR_PAGE = "build_docs"


# ## Sections: the unit of a page
#
# A page is a list of sections. Each holds some commentary (`docs`, as
# Markdown) and the code it explains (`code`, the source lines verbatim).
# `first_line` and `last_line` say which lines of the file the section
# covers: the sections of a file cover it in order, with no gap or overlap.
# `code_line_numbers` says which of those lines are in `code`; the others are
# comment lines, docstring lines, or blank lines that only separated
# commentary from code.
@dataclass
class Section:
    docs: str
    code: str
    first_line: int
    last_line: int
    code_line_numbers: tuple = ()


class SourceError(Exception):
    """A source that cannot be turned into a page; `line`/`col` are 1-based."""

    def __init__(self, message, line=1, col=1):
        super().__init__(message)
        self.message, self.line, self.col = message, line, col


# ## Stage 1: read
#
# Python reads source files as UTF-8 and ignores a byte-order mark; so do we.
# Anything else gets an error that names the file, never a traceback.
def read_source(path):
    data = Path(path).read_bytes()
    if b"\0" in data:
        raise SourceError("contains a NUL byte; is this a binary file?", 1, 1)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise SourceError(f"is not valid UTF-8 (byte {error.start})", line, 1) from None


# ## Stage 2: parse into sections
#
# Lines are what Python's universal newlines make of the file: `\n`, `\r\n`
# and `\r` end a line, and nothing else does. (`str.splitlines` would also
# split on form feeds and other characters that real files contain.)
def split_lines(text):
    lines = re.split(r"\r\n|\r|\n", text)
    if lines[-1] == "":
        lines.pop()
    return lines


# Comments that tools read are code, not commentary: moving them out of the
# code would change what the tools see.
TOOL_PRAGMAS = re.compile(r"#\s*(noqa\b|type:|pragma:|fmt:|pylint:|mypy:|isort:|ruff:)")
CODING_COOKIE = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+")
SECTION_BREAK = "delimiter"


def is_code_comment(comment, row):
    return (
        (row == 1 and comment.startswith("#!"))
        or (row <= 2 and CODING_COOKIE.match(comment) is not None)
        or TOOL_PRAGMAS.match(comment) is not None
    )


# Every line gets one of five kinds. `tokenize` tells us which lines hold
# code (a multi-line string is code on all its lines, even one that starts
# with `#`) and where the full-line comments are; `ast` tells us which
# strings are docstrings.
# A docstring's first line carries its whole text; its other lines are
# `DOCSTRING_REST`, which only say the line is taken.
CODE, BLANK, COMMENT, BREAK = "code", "blank", "comment", "break"
DOCSTRING, DOCSTRING_REST = "docstring", "docstring-rest"


@dataclass
class Line:
    kind: str
    text: str = ""  # the commentary a COMMENT or DOCSTRING line contributes
    header_of_docstring: bool = False  # starts a def/class whose docstring is commentary


def tokenize_lines(lines):
    source = "".join(line + "\n" for line in lines)
    try:
        with warnings.catch_warnings():
            # Invalid escapes in the author's strings are Python's business,
            # and Python will warn about them when the file runs.
            warnings.simplefilter("ignore")
            tree = ast.parse(source)
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except SyntaxError as error:
        raise SourceError(error.msg, error.lineno or 1, error.offset or 1) from None
    except (tokenize.TokenError, ValueError) as error:
        raise SourceError(str(error)) from None
    return tree, tokens


# A docstring is commentary only when it stands alone on its lines; one that
# shares a line with code (`def f(): """doc"""`) stays in the code, so that
# no line is ever split between the two columns. The commentary is the text
# the author typed between the quotes, dedented: escapes are not
# interpreted, so `\nabla` means the same in a docstring as in a comment.
LAYOUT_TOKENS = {tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}


def find_docstrings(tree, tokens):
    tokens_on_row = {}
    for token in tokens:
        if token.type not in LAYOUT_TOKENS:
            for row in range(token.start[0], token.end[0] + 1):
                tokens_on_row.setdefault(row, []).append(token)
    owners = [tree] + [
        node
        for node in ast.walk(tree)
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    docstrings = {}
    for owner in owners:
        if not (owner.body and isinstance(owner.body[0], ast.Expr)):
            continue
        value = owner.body[0].value
        if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
            continue
        rows = range(value.lineno, value.end_lineno + 1)
        neighbours = {token for row in rows for token in tokens_on_row.get(row, ())}
        if len(neighbours) != 1 or next(iter(neighbours)).type != tokenize.STRING:
            continue
        decorators = getattr(owner, "decorator_list", None)
        header_row = decorators[0].lineno if decorators else getattr(owner, "lineno", None)
        docstrings[value.lineno] = (rows, docstring_text(next(iter(neighbours)).string), header_row)
    return docstrings


# Like `inspect.cleandoc`, but without its tab expansion: commentary keeps
# the author's characters.
def docstring_text(literal):
    quote_at = min(i for i in (literal.find('"'), literal.find("'")) if i >= 0)
    body = literal[quote_at:]
    quote = body[:3] if body[:3] in ('"""', "'''") else body[0]
    lines = body[len(quote):-len(quote)].split("\n")
    indents = [len(line) - len(line.lstrip()) for line in lines[1:] if line.strip()]
    margin = min(indents, default=0)
    lines = [lines[0].lstrip()] + [line[margin:] for line in lines[1:]]
    return "\n".join(lines).strip()


# A full-line comment inside brackets annotates one element of an expression
# (`f(a,  # why a` on its own line): it stays in the code, where it is read
# together with the expression, rather than cutting the statement in two.
def classify_lines(lines):
    tree, tokens = tokenize_lines(lines)
    kinds = [Line(BLANK if not line.strip() else CODE) for line in lines]
    depth = 0
    comments = {}
    for token in tokens:
        if token.type == tokenize.OP and token.string in "([{":
            depth += 1
        elif token.type == tokenize.OP and token.string in ")]}":
            depth -= 1
        elif token.type == tokenize.COMMENT:
            row, col = token.start
            if depth == 0 and not lines[row - 1][:col].strip():
                comments[row] = token.string
    for row, comment in comments.items():
        if is_code_comment(comment, row):
            continue
        text = comment[1:]
        text = text[1:] if text.startswith(" ") else text
        kinds[row - 1] = Line(BREAK) if text.strip() == SECTION_BREAK else Line(COMMENT, text)
    for first_row, (rows, text, header_row) in find_docstrings(tree, tokens).items():
        for row in rows:
            kinds[row - 1] = Line(DOCSTRING_REST)
        kinds[first_row - 1] = Line(DOCSTRING, text)
        if header_row is not None:
            kinds[header_row - 1].header_of_docstring = True
    return kinds


# Sections are grouped the way Docco groups them: commentary, then the code
# it explains; commentary after code starts a new section. Two refinements
# make the series' conventions read well:
#
# - a `def`/`class` whose docstring is commentary starts a section of its
#   own, and its decorators, its header line and everything up to the
#   docstring stay together, so the docstring sits beside the line it
#   documents;
# - a `# delimiter` comment ends the section before it and shows nothing.
#
# Blank lines between commentary and the first code of a section are left
# out of the code column; every other blank line stays in it.
def parse_source(text):
    lines = split_lines(text)
    if lines and lines[0].startswith("\ufeff"):
        tokenizable = [lines[0][1:]] + lines[1:]
    else:
        tokenizable = lines
    kinds = classify_lines(tokenizable)
    sections = []
    docs, code_rows, first = [], [], 1
    in_header = False

    def close(before_row):
        nonlocal docs, code_rows, first
        if before_row > first:
            sections.append(Section(
                docs="\n".join(docs).strip("\n"),
                code="\n".join(lines[row - 1] for row in code_rows),
                first_line=first,
                last_line=before_row - 1,
                code_line_numbers=tuple(code_rows),
            ))
        docs, code_rows, first = [], [], before_row

    for row, line in enumerate(kinds, start=1):
        if line.kind == DOCSTRING_REST:
            continue
        if line.kind == BREAK:
            close(row)
            in_header = False
        elif line.kind in (COMMENT, DOCSTRING):
            if code_rows and not in_header:
                close(row)
            if line.kind == DOCSTRING:
                in_header = False
                if line.text and docs and docs[-1] != "":
                    docs.append("")
            if line.kind == COMMENT or line.text:
                docs.append(line.text)
        elif line.kind == BLANK:
            if code_rows:
                code_rows.append(row)
            elif docs and docs[-1] != "":
                docs.append("")
        else:
            if line.header_of_docstring:
                if code_rows:
                    close(row)
                in_header = True
            code_rows.append(row)
    close(len(lines) + 1)
    return sections


# ## Stage 3: render the commentary
#
# Commentary is Markdown with TeX math. Math is turned into MathML here, at
# build time, by `latex2mathml`: browsers draw MathML themselves, so a page
# needs no script and no CDN to show a formula. The TeX source travels with
# it as an annotation, for screen readers and for copying.
#
# Math is found by a Markdown inline pattern, not by a search over the raw
# text, so `$` inside `code spans` stays code. `$...$` follows Pandoc's rule
# (no space just inside the dollars, no digit just after) so that prices in
# prose are not mistaken for math.
MATH = (
    r"\$\$(?P<dd>.+?)\$\$"
    r"|\\\[(?P<db>.+?)\\\]"
    r"|\\\((?P<ip>.+?)\\\)"
    r"|(?<![\\$])\$(?P<id>[^\s$](?:[^$]*?[^\s$\\])?)\$(?!\d)"
)


def tex_to_mathml(tex, display):
    mathml = latex2mathml.converter.convert(tex.strip(), display="block" if display else "inline")
    if re.search(r">\\[A-Za-z]", mathml):
        raise ValueError("unknown command " + re.search(r">(\\[A-Za-z]+)", mathml).group(1))
    head, body = mathml.split(">", 1)
    body = body[: -len("</math>")]
    annotation = f'<annotation encoding="application/x-tex">{html.escape(tex.strip())}</annotation>'
    return f"{head}><semantics>{body}{annotation}</semantics></math>"


class MathPattern(InlineProcessor):
    def __init__(self, md, report):
        super().__init__(MATH, md)
        self.report = report

    def handleMatch(self, match, data):
        kind = match.lastgroup
        tex = match.group(kind)
        try:
            rendered = tex_to_mathml(tex, display=kind in ("dd", "db"))
        except Exception as error:  # latex2mathml raises many kinds
            self.report(f"cannot render math {match.group(0)!r}: {error or type(error).__name__}")
            rendered = f'<code class="lp-math-error">{html.escape(match.group(0))}</code>'
        return self.md.htmlStash.store(rendered), match.start(0), match.end(0)


class MathExtension(markdown.Extension):
    def __init__(self, report):
        super().__init__()
        self.report = report

    def extendMarkdown(self, md):
        # Above `backtick` (190) would break code spans; above `escape` (180)
        # keeps `\(` and `\[` from being read as escaped brackets.
        md.inlinePatterns.register(MathPattern(md, self.report), "math", 185)


# The tutorial series our seed page comes from writes a few things its own
# way; we read them so that its authors can bring their files unchanged:
# `<link URL link>` is a link titled "Related Link", and a docstring that
# starts `**Title**:` over an indented body is a bold title over that body
# (plain Markdown would make the body a code block). ``` ``x`` ``` is
# already inline code in Markdown.
SERIES_LINK = re.compile(r"<link\s+(\S+?)\s+link>")
SERIES_TITLE = re.compile(r"^\*\*(?P<title>.+?)\*\*\s*[:：]\s*$")


def translate_series_conventions(text):
    text = SERIES_LINK.sub(r"[Related Link](\1)", text)
    lines, out = text.split("\n"), []
    index = 0
    while index < len(lines):
        title = SERIES_TITLE.match(lines[index])
        index += 1
        if not title:
            out.append(lines[index - 1])
            continue
        body_end = index
        while body_end < len(lines) and (not lines[body_end].strip() or lines[body_end][:1] in " \t"):
            body_end += 1
        out.append(f"**{title.group('title')}**")
        out.extend(textwrap.dedent("\n".join(lines[index:body_end])).split("\n"))
        index = body_end
    return "\n".join(out)


# Line breaks inside a commentary block are kept (`nl2br`): Chinese prose is
# written a sentence per line and reads wrong when they are joined.
def make_markdown(report):
    return markdown.Markdown(
        extensions=["extra", "admonition", "sane_lists", "nl2br", "codehilite", MathExtension(report)],
        extension_configs={"codehilite": {"css_class": "highlight", "guess_lang": False}},
    )


def render_commentary(text, md):
    md.reset()
    return md.convert(translate_series_conventions(text))


# ## Stage 4: highlight the code
#
# Pygments sees the whole file at once, so a string or a bracket that spans
# two sections is still coloured right. Its tokens are then cut at line ends,
# giving each source line its own HTML, which the sections pick up by line
# number. Token classes are Pygments' short names, which Material's theme
# colours in both its light and dark schemes.
def css_class(token_type):
    while token_type not in STANDARD_TYPES:
        token_type = token_type.parent
    return STANDARD_TYPES[token_type]


def highlight_code(lines):
    text = "".join(line + "\n" for line in lines)
    lexer = PythonLexer(stripnl=False, ensurenl=False, tabsize=0)
    tokens = list(lexer.get_tokens(text))
    if "".join(value for _, value in tokens) != text:
        # Pygments drops a leading BOM and the like: show such a file plain
        # rather than shifted.
        tokens = [(None, text)]
    rendered, current = [], []
    for token_type, value in tokens:
        for i, piece in enumerate(value.split("\n")):
            if i:
                rendered.append("".join(current))
                current = []
            if piece:
                escaped = html.escape(piece, quote=False)
                name = css_class(token_type) if token_type is not None else ""
                current.append(f'<span class="{name}">{escaped}</span>' if name else escaped)
    return rendered[: len(lines)]


# ## Stage 5: write the pages
#
# Each page is a Markdown file whose body is one block of HTML, the sections
# as rows. MkDocs passes such a block through untouched, so code that holds
# `</script>` or `{{ }}` arrives on the page exactly as written: it was
# escaped once, here, and no template engine ever reads it. The code column
# is kept out of the search index (`data-search-exclude`): readers search
# the explanations, and indexing every line of code would make the build
# several times slower.
@dataclass
class Page:
    source: Path  # the file the page is made from
    name: str  # its page name (the URL path without the trailing slash)
    repo_path: str  # its path in the repository, for "View code on GitHub"
    lang: str
    title: str = ""
    summary: str = ""
    warnings: list = field(default_factory=list)


def section_html(number, section, line_html, md):
    anchor = f"section-{number}"
    docs = render_commentary(section.docs, md) if section.docs.strip() else ""
    code = "".join(
        f'<span class="lp-line" data-ln="{row}">{line_html[row - 1]}</span>\n'
        for row in section.code_line_numbers
    )
    code_cell = (
        f'<div class="highlight"><pre><code>{code}</code></pre></div>' if code else ""
    )
    return (
        f'<div class="lp-section" id="{anchor}">\n'
        f'<div class="lp-docs"><a class="lp-anchor" href="#{anchor}" title="Link to this section">¶</a>\n{docs}\n</div>\n'
        f'<div class="lp-code" data-search-exclude>{code_cell}</div>\n'
        f"</div>\n"
    )


# The page title is the Markdown heading that opens the module docstring
# (`# Title`), or else the file name; the first sentence after it is the
# summary shown on the index.
def title_and_summary(sections, fallback):
    intro = sections[0].docs if sections else ""
    lines = [line.strip() for line in intro.split("\n") if line.strip()]
    title = fallback
    if lines and lines[0].startswith("# "):
        title = lines.pop(0)[2:].strip()
    return title, (lines[0] if lines else "")


def without_title(section, title):
    heading = f"# {title}"
    lines = section.docs.split("\n")
    if lines and lines[0].strip() == heading:
        return Section(
            "\n".join(lines[1:]).strip("\n"), section.code,
            section.first_line, section.last_line, section.code_line_numbers,
        )
    return section


def front_matter(**values):
    # JSON is YAML, and json.dumps quotes whatever a title may contain.
    lines = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in values.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n"


def render_page(page, text):
    lines = split_lines(text)
    sections = parse_source(text)
    page.title, page.summary = title_and_summary(sections, page.name)
    if sections:
        sections[0] = without_title(sections[0], page.title)
    line_html = highlight_code(lines)
    md = make_markdown(lambda message: page.warnings.append(message))
    rows = "".join(section_html(n, s, line_html, md) for n, s in enumerate(sections, start=1))
    return front_matter(
        title=page.title, lang=page.lang, source_path=page.repo_path, hide=["navigation", "toc"],
    ) + f'<div class="lp-page" lang="{page.lang}">\n{rows}</div>\n'


# The index lists every tutorial with its title and the first line of its
# introduction; the generator's own page comes last, under its own heading.
def render_index(pages, config):
    md = make_markdown(lambda message: None)

    def item(page):
        summary = render_commentary(page.summary, md) if page.summary else ""
        summary = re.sub(r"^<p>|</p>$", "", summary)
        return f"- [{page.title}]({page.name}.md)" + (f": {summary}" if summary else "")

    tutorials = [item(page) for page in pages if page.name != GENERATOR_PAGE]
    about = [item(page) for page in pages if page.name == GENERATOR_PAGE]
    body = f"# {config['site_name']}\n\n" + "\n".join(tutorials) + "\n"
    if about:
        body += "\n## About this site\n\n" + "\n".join(about) + "\n"
    return front_matter(title="Home", hide=["navigation", "toc"]) + body


def find_pages(source_dir, config_dir):
    pages = []
    for path in sorted(Path(source_dir).glob("*.py")):
        pages.append(Page(path, path.stem, repo_path(path, config_dir),
                          "zh" if path.stem.endswith("_zh") else "en"))
    generator = Path(__file__).resolve()
    pages.append(Page(generator, GENERATOR_PAGE, repo_path(generator, config_dir), "en"))
    return pages


def repo_path(path, config_dir):
    try:
        return Path(path).resolve().relative_to(config_dir).as_posix()
    except ValueError:
        return Path(path).name


# Pages are written only when their text changed, so that a preview server
# watching the folder reloads just what an edit touched.
def write_if_changed(path, text):
    path = Path(path)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def write_pages(pages, docs_dir, config):
    for page in pages:
        try:
            text = render_page(page, read_source(page.source))
        except SourceError as error:
            raise BuildError(f"{display_path(page.source)}:{error.line}:{error.col}: {error.message}")
        for message in page.warnings:
            print(f"{display_path(page.source)}: warning: {message}", file=sys.stderr)
        write_if_changed(Path(docs_dir) / f"{page.name}.md", text)
    write_if_changed(Path(docs_dir) / "index.md", render_index(pages, config))


class BuildError(Exception):
    pass


def display_path(path):
    try:
        return Path(path).resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


# ## Stage 6: run MkDocs
#
# MkDocs reads `mkdocs.yml`, with the folder of generated pages as its
# `docs_dir`. It builds in strict mode, so that a warning (a broken link, a
# missing page) fails the build instead of scrolling past. The new site is
# built beside the old one and swapped in only when it is complete: a failed
# or interrupted build leaves the previous site as it was.
def load_mkdocs_config(config_file, docs_dir, site_dir):
    from mkdocs.config import load_config

    quiet_jieba()
    return load_config(str(config_file), strict=True, docs_dir=str(docs_dir), site_dir=str(site_dir))


def run_mkdocs(config, site_dir):
    from mkdocs.commands.build import build

    staging, retired = Path(config["site_dir"]), site_dir.with_name(f".{site_dir.name}.old")
    try:
        build(config)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(retired, ignore_errors=True)
    if site_dir.exists():
        site_dir.rename(retired)
    staging.rename(site_dir)
    shutil.rmtree(retired, ignore_errors=True)


# Material's search segments Chinese with jieba when it is installed, and
# jieba narrates its start-up at DEBUG level, on its own handler.
def quiet_jieba():
    try:
        import jieba
    except ImportError:
        return
    jieba.setLogLevel(logging.WARNING)


# The site folder is deleted and replaced on every build, so it must never
# be a folder that holds anything else.
def check_site_dir(site_dir, source_dir, config_dir):
    site_dir = Path(site_dir).resolve()
    for protected in (Path(source_dir).resolve(), config_dir):
        if site_dir == protected or site_dir in protected.parents:
            raise BuildError(f"refusing --site-dir {site_dir}: it would replace {protected}")


def build_site(source_dir, site_dir, config_file):
    config_file, site_dir = Path(config_file).resolve(), Path(site_dir).resolve()
    check_site_dir(site_dir, source_dir, config_file.parent)
    staging = site_dir.with_name(f".{site_dir.name}.building")
    shutil.rmtree(staging, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="build_docs-") as docs_dir:
        config = load_mkdocs_config(config_file, docs_dir, staging)
        write_pages(find_pages(source_dir, config_file.parent), docs_dir, config)
        run_mkdocs(config, site_dir)


# ## Preview
#
# `serve` writes the pages once, lets MkDocs serve them with live reload,
# and polls the sources: an edited source is rendered again, which MkDocs
# notices in the generated folder and reloads in the browser. MkDocs itself
# watches `site_templates/` (the theme) and `mkdocs.yml`.
def source_stamps(source_dir):
    paths = sorted(Path(source_dir).glob("*.py")) + [Path(__file__).resolve()]
    return {path: path.stat().st_mtime_ns for path in paths if path.exists()}


def watch_sources(source_dir, docs_dir, config, stop):
    stamps = source_stamps(source_dir)
    while not stop.wait(0.2):
        current = source_stamps(source_dir)
        if current != stamps:
            stamps = current
            try:
                write_pages(find_pages(source_dir, ROOT), docs_dir, config)
            except BuildError as error:
                print(error, file=sys.stderr)


def serve_site(source_dir, config_file, address):
    from mkdocs.commands.serve import serve

    config_file = Path(config_file).resolve()
    with tempfile.TemporaryDirectory(prefix="build_docs-") as work_dir:
        docs_dir = Path(work_dir) / "docs"
        docs_dir.mkdir()
        # MkDocs serves from a site folder of its own; this one is never written.
        config = load_mkdocs_config(config_file, docs_dir, Path(work_dir) / "site")
        write_pages(find_pages(source_dir, config_file.parent), docs_dir, config)
        stop = threading.Event()
        watcher = threading.Thread(target=watch_sources, args=(source_dir, docs_dir, config, stop), daemon=True)
        watcher.start()
        try:
            serve(str(config_file), livereload=True, watch_theme=True, docs_dir=str(docs_dir),
                  dev_addr=address, strict=False)
        finally:
            stop.set()


# ## The command line
def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        description="Build the literate-programming site: source/*.py -> side-by-side pages -> site/.",
    )
    parser.add_argument("command", nargs="?", choices=["build", "serve"], default="build",
                        help="build the site (default), or serve a live preview")
    parser.add_argument("--source", default=str(ROOT / "source"), metavar="DIR",
                        help="folder of tutorial sources (default: source/)")
    parser.add_argument("--site-dir", default=str(ROOT / "site"), metavar="DIR",
                        help="where the built site goes (default: site/)")
    parser.add_argument("--config", default=str(ROOT / "mkdocs.yml"), metavar="FILE",
                        help="MkDocs configuration (default: mkdocs.yml)")
    parser.add_argument("--dev-addr", default="127.0.0.1:8000", metavar="HOST:PORT",
                        help="address for serve (default: 127.0.0.1:8000)")
    return parser.parse_args(argv)


def main(argv=None):
    arguments = parse_arguments(argv)
    logging.basicConfig(format="%(levelname)s: %(message)s", level=logging.WARNING)
    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    try:
        if arguments.command == "serve":
            logging.getLogger("mkdocs").setLevel(logging.INFO)
            serve_site(arguments.source, arguments.config, arguments.dev_addr)
        else:
            started = time.perf_counter()
            build_site(arguments.source, arguments.site_dir, arguments.config)
            print(f"built {arguments.site_dir} in {time.perf_counter() - started:.1f} s")
    except BuildError as error:
        print(error, file=sys.stderr)
        return 1
    except Exception as error:
        from mkdocs.exceptions import MkDocsException

        if isinstance(error, MkDocsException):
            print(f"mkdocs: {error}", file=sys.stderr)
            return 1
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
