"""
# Text first or code first: literate text with PyLit

Literate text becomes code, and code literate text, with nothing lost.

In: a source's text. Out: the code a text-first source (`x.py.txt`) stands
for, and for any code, the literate text a page offers to download; both
proved by converting back.
"""

import itertools
import re
import warnings
from pathlib import Path
from typing import NamedTuple



with warnings.catch_warnings():
    # PyLit 0.8.0 holds an invalid escape sequence, which Python reports when
    # it compiles the module (a SyntaxWarning from 3.12, an error under
    # `-W error`). That is PyLit's business, not our users'.
    warnings.simplefilter("ignore", SyntaxWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    import pylit


from literate.read import SourceError, decode_source, read_source_bytes


# Some authors think in prose first. A source named `x.py.txt` (PyLit's
# naming) is reStructuredText with the code in literal blocks, the indented
# blocks after a paragraph that ends in `::`. PyLit turns it into Python,
# its paragraphs into `#` comments, and every later stage reads that code as
# if the author had typed it. The other way, every page offers its code as
# such a text, made by PyLit.
#
# Both ways must lose nothing: code → text → code gives back the same
# characters, and so does text → code → text. PyLit alone changes 97 of the
# 168 top-level modules of Python 3.11's standard library on the way there
# and back, for three reasons, each mended here around PyLit:
#
# - Python has two blank lines between comment paragraphs, an empty line
#   and an empty comment `#`; PyLit's text has one, and PyLit brings back
#   the kind that fits where it stands: `#` in prose, empty in code. Where
#   that would be the wrong kind, the text's blank line holds one space,
#   which reStructuredText reads as blank: "the other kind, here".
# - Between a comment block and the code after it, PyLit adds a `::`
#   paragraph, so that the code is read as a literal block; on the way back
#   it would become a `# ::` comment. The blank line before an added `::` is
#   always one of those single spaces, so an added `::` is known and left
#   out, while a `::` the author wrote stays.
# - A comment block that PyLit would misread on the way back stays code in
#   the text, where it is read as code. One indented deeper than the prose,
#   just after code, is part of the literal block to reStructuredText and so
#   to PyLit; one of empty `#` lines only has no prose to show, and leaves
#   the `::` added after it looking like an author's.
#
# PyLit also takes the code indentation off blank lines in code, which had
# none added; ours keep theirs. A file with Windows line ends is converted
# with Unix ones and gets its own back. Code blocks are indented by four
# spaces, as Python indents (PyLit's default is two): a text-first source
# indents its code blocks so, or its text will not come back as written.
#
# Whatever the file, the conversion is proved by converting back. A file that
# would not come back identical gets an error at its first line that
# differs (a tab, which PyLit expands, is the usual cause), and its page then
# offers no literate text rather than a wrong one.
LITERATE_SUFFIX = ".py.txt"
PYLIT_OPTIONS = {"language": "python", "comment_string": "# ", "codeindent": 4}
OTHER_BLANK = " \n"
ADDED_MARKER = "::\n"
# Marks a comment line that PyLit must take for code; a source never holds
# a NUL, so none is lost when the marks are taken out again.
KEPT_AS_CODE = "\0"


def is_literate_text(path):
    return Path(path).name.endswith(LITERATE_SUFFIX)


# PyLit works on lines that keep their `\n`; nothing else ends a line here.
def lines_with_ends(text):
    return re.findall(r"[^\n]*\n|[^\n]+\Z", text)


def unix_newlines(text):
    if "\r\n" in text and text.count("\r\n") == text.count("\n"):
        return text.replace("\r\n", "\n"), "\r\n"
    return text, "\n"


# `Code2Text` writes the added `::` paragraphs; written again without them,
# its text matches the code line for line, which finds each code line in
# the first text.
def pylit_text(lines, kept_as_code):
    marked = [
        "#" + KEPT_AS_CODE + line[1:] if row in kept_as_code and line.startswith("#") else line
        for row, line in enumerate(lines)
    ]
    text = pylit.Code2Text(marked, **PYLIT_OPTIONS)()
    plain = pylit.Code2Text(marked, add_missing_marker=False, **PYLIT_OPTIONS)()
    place, at = [], 0
    for line in plain:
        while text[at] != line:
            at += 2  # an added `::` and the blank line after it
        place.append(at)
        at += 1
    return [line.replace(KEPT_AS_CODE, "") for line in text], place


# `Text2Code` gives one code line for each line of text.
def pylit_code(text_lines):
    code = []
    try:
        for line in pylit.Text2Code(text_lines, **PYLIT_OPTIONS):
            code.append(line)
    except ValueError:
        raise SourceError("this line of a code block is indented less than the "
                          "first code block of the text", len(code) + 1) from None
    return code


def paragraphs_around(lines, rows):
    kept = set()
    for row in rows:
        first, last = row, row
        while first > 0 and lines[first - 1].strip():
            first -= 1
        while last + 1 < len(lines) and lines[last + 1].strip():
            last += 1
        kept.update(range(first, last + 1))
    return kept


# PyLit's text with its blank lines marked, and the comment lines PyLit
# would misread on the way back: prose read as code, and the last comment
# before an added `::` that could not be told from an author's.
def marked_text(lines, kept_as_code):
    text, place = pylit_text(lines, kept_as_code)
    row_at = {at: row for row, at in enumerate(place)}
    try:
        back = pylit_code(text)
    except SourceError as error:
        if error.line - 1 not in row_at:
            raise
        return text, {row_at[error.line - 1]}
    for row, line in enumerate(lines):
        at = place[row]
        if text[at] == "\n" and {line, back[at]} == {"\n", "#\n"}:
            text[at] = OTHER_BLANK
    misread = {
        row for row, line in enumerate(lines)
        if line.startswith("# ") and text[place[row]] == line[2:] and back[place[row]] != line
    }
    for at, line in enumerate(text):
        if at in row_at or line != ADDED_MARKER or (text[at - 1] == OTHER_BLANK and back[at - 1].startswith("#")):
            continue
        comments_before = [row for row in range(len(lines)) if place[row] < at and lines[row].startswith("#")]
        misread.update(comments_before[-1:])
    return text, misread


def code_to_literate_text(code):
    unix, newline = unix_newlines(code)
    lines = lines_with_ends(unix)
    kept_as_code = set()
    while True:
        text, misread = marked_text(lines, kept_as_code)
        if misread <= kept_as_code:
            break
        kept_as_code |= paragraphs_around(lines, misread)
    literate = "".join(text).replace("\n", newline)
    check_same(code, literate_text_to_code(literate), "PyLit's literate text would not give back this line")
    return literate


# Each code line comes with the line of the text it was made from, so that
# an error in the code can be shown where the author wrote it.
def literate_code_lines(text):
    unix, newline = unix_newlines(text)
    text_lines = lines_with_ends(unix)
    code_lines = pylit_code(text_lines)
    result, skip = [], 0
    for at, (line, code) in enumerate(zip(text_lines, code_lines)):
        if skip:
            skip -= 1
        elif (line == ADDED_MARKER and code == "# ::\n" and at > 0
              and text_lines[at - 1] == OTHER_BLANK and code_lines[at - 1] == "# \n"
              and text_lines[at + 1:at + 2] == ["\n"]):
            skip = 1
        elif line == OTHER_BLANK:
            result.append((at + 1, "\n" if code.startswith("#") else "#\n"))
        elif not line.strip() and not code.startswith("#"):
            result.append((at + 1, line))
        else:
            result.append((at + 1, code))
    return [(row, line.replace("\n", newline)) for row, line in result]


def literate_text_to_code(text):
    return "".join(line for _, line in literate_code_lines(text))


def check_same(expected, got, message):
    pairs = itertools.zip_longest(lines_with_ends(expected), lines_with_ends(got), fillvalue="")
    for row, (want, have) in enumerate(pairs, start=1):
        if want != have:
            raise SourceError(f"{message}: {want!r} came back as {have!r}", row)


# A page's source and its code: the same text, or the code PyLit makes of
# a text-first source. A build reads each source once, before it is parsed
# and its tests run. Its page, the key of its rendering, its downloads and
# the key of its tests' verdict all come from those bytes: an edit saved
# while a build runs (the preview builds while the author types) is either
# wholly in this build or wholly in the next, never rendered from one
# version and cached under the other. A page that cannot be read keeps its
# error, which rendering reports.
class SourceRead(NamedTuple):
    data: bytes  # as read from the file
    text: str  # as Python decodes those bytes
    code: str  # the text itself, or the code PyLit makes of a text-first source
    text_rows: tuple = ()  # of a text-first source: the line of the text each code line was made from

    # An error in the code PyLit made is shown at the line the author wrote.
    def in_text(self, error):
        if not self.text_rows:
            return error
        row = self.text_rows[min(error.line, len(self.text_rows)) - 1]
        return SourceError(f"in the code of this text: {error.message}", row, error.col)


def source_read(data, text_first):
    text = decode_source(data)
    if not text_first:
        return SourceRead(data, text, text)
    rows_and_lines = literate_code_lines(text)
    return SourceRead(data, text, "".join(line for _, line in rows_and_lines),
                      tuple(row for row, _ in rows_and_lines) or (1,))


def read_pages(pages):
    """{source: its SourceRead}, or the SourceError reading it raised."""
    texts = {}
    for page in pages:
        try:
            texts[page.source] = source_read(read_source_bytes(page.source), page.text_first)
        except SourceError as error:
            texts[page.source] = error
    return texts
