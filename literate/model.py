"""
# The model: what a site is made of

The nouns the stages pass each other: a language, a chapter, a page, and
what a tutorial's tests showed. No stage changes a page once finding the
site made it; each returns what it makes of one, keyed by the page.

In: nothing; the stages fill these in. Out: `Language`, `Chapter`,
`Page`; `Verdict` and `CaseResult`, with the statuses a tutorial and a
test can have.
"""

from dataclasses import dataclass, field
from pathlib import Path

from literate.textfirst import is_literate_text


# A language of the site: each has a tree of pages of its own (see "The
# site"). A series in one language needs no i18n plugin: its language is
# the theme's (`theme.language`, English unless set), its pages are at the
# root of MkDocs' folder as of the site.
@dataclass(frozen=True)
class Language:
    locale: str
    name: str  # as the language selector shows it: "English", "中文"
    folder: str  # where its tree is published: "" for the default language, else "zh/"
    docs: str = None  # where its pages go in MkDocs' folder: "en/", as mkdocs-static-i18n reads them, or ""

    def __post_init__(self):
        if self.docs is None:
            object.__setattr__(self, "docs", f"{self.locale}/")  # a frozen dataclass's own way to settle a field


# A folder of the source folder: a chapter, or a section within one. Like
# a page, it stays as finding the site made it.
@dataclass(frozen=True)
class Chapter:
    slug: str  # its URL path: the folder names without their prefixes (`a/b`); "" outside any chapter
    # locale -> (title, introduction as Markdown); none outside any chapter; for a section,
    # None until its index pages are rendered (see "The site": `titled_sections`)
    headings: dict
    pages: tuple  # the Page of each source, every language, in reading order
    about: bool = False  # a chapter about the site, not of the course: listed after it
    sections: tuple = ()  # the Chapter of each folder in it, in reading order
    folder: Path = None  # its source folder, where the links of its introduction start; None for the site's own
    index_listed: bool = True  # whether the home page lists its index page, or shows its introduction instead
    introduction: dict = field(default_factory=dict)  # outside any chapter: the home page's (see "The site")


# A page of the site, as finding the site knows it: where it comes from
# and where it goes. It never changes after: what the stages make of it
# (its rendering, its tests' verdict) is their product, keyed by the page.
@dataclass(frozen=True)
class Page:
    source: Path  # the file the page is made from
    name: str  # its page name (the URL path without the trailing slash)
    repo_path: str  # its path in the repository, for "View code on GitHub"
    lang: str
    title: str = ""  # known here only for the site's own pages; a source's page is titled by rendering it
    summary: str = ""  # likewise: the first line of its introduction, for the home page
    generator: bool = False  # a page of the guide or of the generator's own sources: no tutorial

    @property
    def text_first(self):
        return is_literate_text(self.source)


# A tutorial's status is PASSED, FAILED, TIMED_OUT or NOT_RUN, or, in a
# preview, RUNNING while its tests run in the background; a single test's
# outcome is PASSED, FAILED, SKIPPED or ERROR (it could not even be set up,
# or its module could not be imported).
PASSED, FAILED, TIMED_OUT, NOT_RUN, RUNNING = "passed", "failed", "timed out", "not run", "running"
SKIPPED, ERROR = "skipped", "error"


@dataclass(frozen=True)
class CaseResult:
    """One test as pytest reports it: a `test_*` function, or one case of a parametrized one."""

    name: str
    outcome: str
    seconds: float
    message: str = ""
    line: int = 0  # the line of the tutorial where it failed, when pytest's report says
    stdout: str = ""  # what it printed, as pytest captured it for this test alone
    stderr: str = ""

    @property
    def function(self):
        return self.name.split("[", 1)[0]


# A verdict is made whole, by the run or from the cache, and never changed
# after: what the settings say of it (an expected failure) makes a new one.
# A preview keeps a verdict across its builds, and one build's settings
# must not stay on it for the next.
@dataclass(frozen=True)
class Verdict:
    """What running a tutorial's tests showed; cached as JSON between builds."""

    status: str  # PASSED, FAILED, TIMED_OUT, NOT_RUN or RUNNING
    functions: tuple  # the names of its test_* functions, in file order
    cases: tuple = ()  # CaseResults, in the order pytest ran them
    seconds: float = 0.0
    output: str = ""  # what pytest itself printed on the console, stdout and stderr as they interleaved
    runtime: tuple = ()  # (name, version): Python, then what it imports
    problem: str = ""  # what went wrong with the run as a whole: a timeout, an import error
    expected_failure: str = None  # the reason mkdocs.yml gives, when it lists the tutorial
