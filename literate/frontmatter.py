"""
# Front matter: what a page says about itself

Series written for other generators open a module docstring with a YAML
block, which gives the page its title and summary:

    ---
    title: Multi-Headed Attention (MHA)
    summary: >
      This implements multi-headed attention.
    ---

In: the commentary that opens a page (its module docstring, or a chapter's
`__init__.py`). Out: what its front matter says, the commentary after it,
and the problem when the block is there but YAML cannot read it.
"""

import textwrap
from dataclasses import dataclass, field

import yaml


# The block is `---` on the docstring's first line, YAML, and `---` (or
# YAML's `...`) on a line of its own. What it holds must be a mapping: a
# `---` over a line of text and another `---` is Markdown (a rule, then a
# heading), and stays so. A block YAML cannot read stays on the page as
# text, with a warning: nothing the author wrote is lost, and the author
# hears why it did not count.
FENCE, ENDS = "---", ("---", "...")


@dataclass(frozen=True)
class FrontMatter:
    values: dict = field(default_factory=dict)  # what it says; empty without front matter
    rest: str = ""  # the commentary after it: all of it without front matter
    problem: tuple = None  # (message, the line it is about) when YAML cannot read the block

    @property
    def title(self):
        return text_value(self.values.get("title"))

    @property
    def summary(self):
        return text_value(self.values.get("summary"))


def read_front_matter(docs):
    lines = docs.split("\n")
    start = next((index for index, line in enumerate(lines) if line.strip()), None)
    if start is None or lines[start].strip() != FENCE:
        return FrontMatter(rest=docs)
    end = next((index for index in range(start + 1, len(lines)) if lines[index].strip() in ENDS), None)
    if end is None:
        return FrontMatter(rest=docs)
    block = lines[start + 1:end]
    try:
        values = yaml.safe_load(textwrap.dedent("\n".join(block)))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        row = min(mark.line, len(block) - 1) if mark and block else 0
        quote = block[row] if block else lines[start]
        reason = getattr(error, "problem", None) or type(error).__name__
        return FrontMatter(rest=docs, problem=(f"front matter is shown as text: YAML cannot read it: {reason}",
                                               quote))
    if not isinstance(values, dict) or not values:
        return FrontMatter(rest=docs)
    return FrontMatter({str(key): value for key, value in values.items()}, "\n".join(lines[end + 1:]).strip("\n"))


# A title or summary is text: a number is written as it reads, a list or a
# mapping is no title at all.
def text_value(value):
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return " ".join(str(value).split())
    return ""
