"""
# Commentary as its author laid it out

The series our seed page comes from is written the way people write
comments: prose wrapped at 80 to 100 columns, or a Chinese sentence a
line; a list straight under the line that announces it; docstrings with
Google- or NumPy-style sections (`Arguments:`, `Returns:`, `Shapes:` …)
and Sphinx roles such as ``:obj:`namedtuple` ``. This module reads those
conventions so that a page reads as its file does.

In: a section's commentary as its author wrote it, and a chapter's folder
name. Out: Markdown for the commentary stage (docstring sections as
definition lists), the Markdown extensions that read line breaks, lists
and Sphinx roles as the series means them, and a readable chapter title.
"""

import re
import unicodedata
from xml.etree import ElementTree

import markdown
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

__all__ = ["LIST_ITEM", "SPHINX_MATH_ROLE", "LineBreaks", "SphinxRoles", "docstring_sections",
           "readable_folder_name"]

# ## Line breaks in both languages
#
# Lines join into paragraphs, as Markdown joins them. A browser shows the
# line break left between two lines as a space, which is right between two
# English words and wrong between two Chinese characters (`方法。 通过`), so
# a break between two East Asian wide characters is taken out, as Pandoc's
# `east_asian_line_breaks` does. That happens in the finished tree, on text
# only: code spans, code blocks and math (stashed by then) are never
# touched. A line that ends in two spaces or in a backslash stays a break.
#
# Lists follow the line, not Markdown's paragraph rules: a list item starts
# a list even directly under a line of text, and a line after the list that
# is neither indented nor an item ends it, instead of being glued to its
# last item. `line_breaks: keep` in the plugin's settings keeps every
# line break instead (`nl2br`), for sites written for that (see "Settings").
LIST_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])(?: +|$)")


# Runs after fenced code blocks are stashed, so that a `- ` inside one is
# code; an indented code block holds no line that could start or end a list.
class ListsFollowLines(Preprocessor):
    def run(self, lines):
        out, in_list = [], False
        for line in lines:
            item = bool(LIST_ITEM.match(line))
            after_text = bool(out) and out[-1].strip() != ""
            if item and not in_list and after_text:
                out.append("")
            elif in_list and line.strip() and not item and not line[:1].isspace():
                if after_text:
                    out.append("")
                in_list = False
            in_list = in_list or item
            out.append(line)
        return out


def is_wide(character):
    return unicodedata.east_asian_width(character) in ("W", "F")


# The text of a tree in reading order, as (element, "text" or "tail")
# slots; `None` stands for code, whose text no break may be joined across.
def text_slots(element):
    yield element, "text"
    for child in element:
        if child.tag in ("code", "pre"):
            yield None
        else:
            yield from text_slots(child)
        yield child, "tail"


class JoinEastAsianLines(Treeprocessor):
    def run(self, root):
        slots = list(text_slots(root))
        texts = [None if slot is None else getattr(*slot) or "" for slot in slots]
        for index, text in enumerate(texts):
            if "\n" in (text or ""):
                before = edge(reversed(texts[:index]), -1)
                after = edge(texts[index + 1:], 0)
                texts[index] = join_wide_lines(text, before, after)
                setattr(*slots[index], texts[index])


# The character next to a text slot: the nearest one in the slots beside
# it, or None where code comes first.
def edge(texts, position):
    for text in texts:
        if text is None:
            return None
        if text:
            return text[position]
    return None


def join_wide_lines(text, before, after):
    def replace(match):
        left = text[match.start() - 1] if match.start() else before
        right = text[match.end()] if match.end() < len(text) else after
        return "" if left and right and is_wide(left) and is_wide(right) else match.group(0)

    return re.sub(r"\n[ \t]*", replace, text)


class BackslashBreak(InlineProcessor):
    def handleMatch(self, match, data):
        return ElementTree.Element("br"), match.start(0), match.end(0)


class LineBreaks(markdown.Extension):
    def __init__(self, setting="join"):
        super().__init__()
        self.setting = setting

    def extendMarkdown(self, md):
        md.preprocessors.register(ListsFollowLines(md), "lists_follow_lines", 24)
        # Below `escape` (180): `\\` at a line's end is an escaped backslash.
        md.inlinePatterns.register(BackslashBreak(r"\\\n", md), "backslash_break", 179)
        if self.setting == "keep":
            md.registerExtensions(["nl2br"], {})
        else:
            md.treeprocessors.register(JoinEastAsianLines(md), "join_east_asian_lines", 15)


# ## Chapter folders
#
# A chapter without a title of its own is titled by its folder's name,
# without its numeric prefix, made readable: `tensors` reads "Tensors",
# `chapter1_overview` "Chapter 1: Overview", `part-2-more_math` "Part 2:
# More math": `_` and `-` as spaces, a number set apart from the word
# before it, a colon after a leading word and number, the first letter a
# capital.
LEADING_WORD_AND_NUMBER = re.compile(r"^([^\W\d_]+)[ _-]?(\d+)(?:[ _-]+(?=\S))?")


def readable_folder_name(name):
    lead = LEADING_WORD_AND_NUMBER.match(name)
    rest = name[lead.end():] if lead else name
    words = re.sub(r"[_-]+", " ", rest).strip()
    if lead:
        words = f"{lead[1]} {lead[2]}" + (f": {words[:1].upper()}{words[1:]}" if words else "")
    return words[:1].upper() + words[1:] if words else name


# ## Sphinx roles
#
# ``:obj:`namedtuple` `` and its kin (`:class:`, `:func:`, `:py:meth:` …)
# name code: they show as inline code. ``:math:`(T, B)` `` is math.
SPHINX_ROLE = r"(?<![\w`]):(?:[a-z]+:)?(?P<role>[a-z]+):`(?P<text>[^`\n]+)`"
SPHINX_MATH_ROLE = r"(?<![\w`]):math:`(?P<role>[^`\n]+)`"  # its group, like the others of math, holds the TeX


def sphinx_roles_to_markdown(text):
    return re.sub(SPHINX_ROLE, lambda m: f"${m['text']}$" if m["role"] == "math" else f"`{m['text']}`", text)


class SphinxRoles(markdown.Extension):
    def extendMarkdown(self, md):
        class Role(InlineProcessor):
            def handleMatch(self, match, data):
                element = ElementTree.Element("code")
                element.text = markdown.util.AtomicString(match["text"])
                return element, match.start(0), match.end(0)

        # Above `backtick` (190): the role's own backticks are part of it.
        md.inlinePatterns.register(Role(SPHINX_ROLE.replace("(?P<role>[a-z]+)", "(?P<role>(?!math:)[a-z]+)"), md),
                                   "sphinx_role", 195)


# ## Docstring sections
#
# `Arguments:` (or `**Arguments**:`) over an indented body, and NumPy's
# `Parameters` over a `----------` line, are sections: griffe, the docstring
# parser behind mkdocstrings, reads each one, and it becomes a definition
# list, a term per argument (its name and type as code) and its description
# as Markdown. Only the header is found here; items, types, continuation
# lines and examples are griffe's reading. The series writes its items as
# a list (`- data (:obj:`Tensor`): …`): the dash is taken off and roles
# become code first, which is the form griffe reads. `Shapes:` lists tensors
# as arguments list parameters, and is read as such.
SECTION_TITLES = {
    "args": "Args:", "arguments": "Args:", "params": "Args:", "parameters": "Args:",
    "keyword args": "Keyword Args:", "keyword arguments": "Keyword Args:", "other parameters": "Keyword Args:",
    "attributes": "Attributes:", "shapes": "Args:", "shape": "Args:",
    "returns": "Returns:", "return": "Returns:", "yields": "Yields:",
    "raises": "Raises:", "exceptions": "Raises:", "warns": "Warns:",
    "examples": "Examples:", "example": "Examples:",
}
GOOGLE_HEADER = re.compile(r"^(?P<bold>\*\*)?(?P<title>[A-Za-z][A-Za-z ]*?)(?P=bold)?\s*[:：]\s*$")
NUMPY_UNDERLINE = re.compile(r"^-{3,}\s*$")


def docstring_sections(text):
    lines, out, index = text.split("\n"), [], 0
    while index < len(lines):
        line = lines[index]
        header = GOOGLE_HEADER.match(line)
        numpy = (index + 1 < len(lines) and line.strip().lower() in SECTION_TITLES
                 and NUMPY_UNDERLINE.match(lines[index + 1]) and not line[:1].isspace())
        if header and header["title"].lower() in SECTION_TITLES and indented(lines, index + 1):
            end = index + 1
            while end < len(lines) and (not lines[end].strip() or lines[end][:1].isspace()):
                end += 1
            body = lines[index + 1:end]
            out += render_section(header["title"], "google", body) + trailing_blanks(body)
            index = end
        elif numpy:
            end = index + 2
            while end < len(lines) and not (end + 1 < len(lines) and lines[end].strip().lower() in SECTION_TITLES
                                            and NUMPY_UNDERLINE.match(lines[end + 1])):
                end += 1
            out += render_section(line.strip(), "numpy", lines[index + 2:end])
            index = end
        else:
            out.append(line)
            index += 1
    return "\n".join(out)


def indented(lines, index):
    return index < len(lines) and lines[index].strip() != "" and lines[index][:1].isspace()


def trailing_blanks(body):
    return [""] * (len(body) - len("\n".join(body).rstrip().split("\n")))


# griffe is imported when a docstring section is first read, not with
# this module: a build that finds every page in its cache (`pages`) renders
# no commentary, and need not pay for the import.
def render_section(title, style, body):
    import griffe

    kind = SECTION_TITLES[title.lower()]
    body = [re.sub(r"^(\s*)- ", r"\1", line) for line in (sphinx_roles_to_markdown(line) for line in body)]
    # griffe reads the first line of a docstring as its summary, never as a
    # section's title: the section comes after an empty one.
    if style == "google":
        source = "\n" + kind + "\n" + "\n".join(body)
    else:
        kind = NUMPY_TITLES.get(kind, kind[:-1])
        source = "\n" + kind + "\n" + "-" * len(kind) + "\n" + "\n".join(body)
    sections = griffe.Docstring(source).parse(style, warnings=False, trim_doctest_flags=False)
    out = ["", f"**{title}**", ""]
    for section in sections:
        if section.kind is griffe.DocstringSectionKind.examples:
            out += examples_markdown(section.value)
        elif isinstance(section.value, list):
            out += items_markdown(section.value)
        else:  # what griffe read as prose stays prose
            out += [getattr(section.value, "description", section.value), ""]
    return out


NUMPY_TITLES = {"Args:": "Parameters", "Keyword Args:": "Other Parameters"}


def items_markdown(items):
    out = []
    for item in items:
        name, annotation = getattr(item, "name", ""), item.annotation
        kind = annotation and as_code(str(annotation))
        term = f"`{name}` ({kind})" if name and kind else f"`{name}`" if name else kind or ""
        description = (item.description or "").split("\n")
        if term:
            out += [term, ":   " + description[0]] + ["    " + line for line in description[1:]] + [""]
        else:
            out += description + [""]
    return out


def as_code(text):
    return text if "`" in text else f"`{text}`"


def examples_markdown(parts):
    import griffe

    out = []
    for kind, text in parts:
        if kind is griffe.DocstringSectionKind.examples:
            out += ["```pycon", text, "```", ""]
        else:
            out += [text, ""]
    return out
