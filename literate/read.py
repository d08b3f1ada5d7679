"""
# Read: a source file becomes text

A source is read as Python reads it, or refused with its line and column.

In: the path of a source file, or the bytes read from it. Out: its text,
decoded the way Python decodes a source, or a `SourceError` that names the
line and column.

Here too are what every later stage shares: the error that stops a build
(`BuildError`), the way paths are shown in messages, and the one way files
are written.
"""

import codecs
import hashlib
import io
import os
import re
import tokenize
from pathlib import Path


class SourceError(Exception):
    """A source that cannot be turned into a page; `line`/`col` are 1-based."""

    def __init__(self, message, line=1, col=1):
        super().__init__(message)
        self.message, self.line, self.col = message, line, col


# A source is read the way Python reads it: UTF-8, a byte-order mark
# ignored, or the encoding its `# coding:` line declares. Anything Python
# would refuse gets an error that names the file, the line and the column,
# never a traceback.
def read_source(path):
    return decode_source(read_source_bytes(path))


def read_source_bytes(path):
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise SourceError(f"cannot be read: {error.strerror}") from None


def decode_source(data):
    try:
        encoding = tokenize.detect_encoding(io.BytesIO(data).readline)[0]
    except SyntaxError as error:
        # Also raised for a byte that is not UTF-8 on the first two lines:
        # decoding as UTF-8 below then names that byte.
        encoding, cookie_problem = "utf-8", error.msg
        if data.startswith(codecs.BOM_UTF8):
            cookie_problem = "starts with a UTF-8 byte-order mark but its coding line names another encoding"
    else:
        cookie_problem = None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line, col = line_and_column(data[: error.start].decode(encoding, "replace"))
        byte = data[error.start]
        raise SourceError(f"is not valid {error.encoding} (byte 0x{byte:02x}); save it as UTF-8", line, col) from None
    if cookie_problem:
        raise SourceError(cookie_problem)
    reject_nul(text)
    return text


# Python refuses a NUL byte anywhere in a source; it is the mark of a
# binary file saved as `.py`.
def reject_nul(text):
    if "\0" in text:
        raise SourceError("contains a NUL byte; is this a binary file?", *line_and_column(text[: text.index("\0")]))


# The line and column just after `text_before`, counted the way compilers
# count them: 1-based, lines ended by `\n`, `\r\n` or `\r`.
def line_and_column(text_before):
    lines = re.split(r"\r\n|\r|\n", text_before)
    return len(lines), len(lines[-1]) + 1


class BuildError(Exception):
    pass


def located(path, error):
    return BuildError(f"{display_path(path)}:{error.line}:{error.col}: {error.message}")


# Paths are shown as found, not resolved: a link is named by its own name.
def display_path(path):
    try:
        return Path(os.path.abspath(path)).relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


# A file is written only when it does not already hold these bytes, so
# that one that outlives the build (the code of a text-first tutorial in
# the cache folder) keeps its time stamp.
def write_if_changed(path, content):
    data = content.encode("utf-8") if isinstance(content, str) else content
    path = Path(path)
    if path.exists() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


# Caches (verdicts, rendered pages, site records) name an entry after the
# path it is about.
def path_digest(source):
    return hashlib.sha256(str(Path(source).resolve()).encode()).hexdigest()[:20]
