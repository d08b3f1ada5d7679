"""
# Links: a link to a source leads to its page

Commentary links to other sources the way its authors think of them: by
the file (`x.py`, `../y/z.py#Name`, a folder's `__init__.py`), or by the
name their own generator gave its page (`x.html`, `index.html` for a
folder's `__init__.py`, `x.md`).

In: the site's pages and languages, and a link in a page's commentary;
once every page is rendered, the anchors of each. Out: where every source
is published (`LinkTargets`), for the pages to render with; for a link,
the address of the page it names, relative to the linking page, in the
reader's language when the page has one; and a warning at the link's line
when it names no source of the site, or an anchor its page does not have.
"""

import os
import posixpath
import functools
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from markdown.treeprocessors import Treeprocessor

from literate.read import display_path
from literate.cache import fingerprint
from literate.textfirst import LITERATE_SUFFIX
from literate.site import published_url


# Where each source is published, for every page to look up: which page a
# file is (its page name, the same in every language), in which language,
# at which address. A folder's `__init__.py` is its section's index page,
# like any other source. The source folder's is the home page's
# introduction, and a link to it leads home, whether the file is there or
# not. The targets are part of each page's cache
# key (see "pages"): a source added, removed or renamed renders every page
# again, since any page may link to it; an edit within a source does not.
@dataclass(frozen=True)
class LinkTargets:
    sources: tuple  # (source file, page name, locale), the file's path absolute and normalized
    urls: tuple  # (page name, locale, published URL); the home page's name is ""

    @functools.cached_property
    def page_of(self):
        return {source: (name, locale) for source, name, locale in self.sources}

    @functools.cached_property
    def url(self):
        return {(name, locale): url for name, locale, url in self.urls}

    # What a rendering's cache key holds of where every source is
    # published: spelt and hashed once a build, for every key that asks.
    @functools.cached_property
    def digest(self):
        return fingerprint([str(self)])


def normalized(path):
    return Path(os.path.normpath(os.path.abspath(path))).as_posix()


def link_targets(pages, languages, source_dir):
    sources, urls = set(), {("", language.locale, language.folder) for language in languages}
    for page in pages:
        sources.add((normalized(page.source), page.name, page.lang))
        urls.add((page.name, page.lang, published_url(page, languages)))
    for language in languages:
        sources.add((f"{normalized(source_dir)}/__init__{f'_{language.locale}' if language.folder else ''}.py",
                     "", language.locale))
    return LinkTargets(tuple(sorted(sources)), tuple(sorted(urls)))


# The files a link may name: a source by its file name, or by its page's
# name in the series' own generator (`x.html`, `x.md`; `index` for the
# folder's `__init__.py`). Any other relative link (`../tensors/broadcasting/`,
# an image) is left as written.
def named_sources(path):
    folder, name = posixpath.split(path)
    if name.endswith((".py", LITERATE_SUFFIX)):
        return [path]
    stem, dot, kind = name.rpartition(".")
    if not dot or kind not in ("html", "md"):
        return []
    if stem == "index":
        return [posixpath.join(folder, "__init__.py")]
    return [posixpath.join(folder, stem + ".py"), posixpath.join(folder, stem + LITERATE_SUFFIX)]


# The page a link names among the site's `targets`, as (page name,
# locale): in the reader's language when that page has one. None when it
# names no source (`missing` is then the file it looked for) or is no link
# to a source.
def linked_page(page, targets, href):
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
        return None, None
    candidates = named_sources(unquote(parts.path))
    if not candidates:
        return None, None
    folder = Path(page.source).parent
    files = [normalized(folder / candidate) for candidate in candidates]
    found = next((targets.page_of[file] for file in files if file in targets.page_of), None)
    if found is None:
        return None, candidates[0]
    name, locale = found
    return (name, page.lang if (name, page.lang) in targets.url else locale), None


# The address of that page, relative to `page` (or, for its summary, to the
# home page that shows it).
def address_of(page, targets, target, fragment, from_home=False):
    here = targets.url["" if from_home else page.name, page.lang]
    address = posixpath.relpath(targets.url[target] or ".", here or ".") + "/"
    return address + (f"#{fragment}" if fragment else "")


# Links are found in Markdown's element tree, so a link's text, code spans
# and code blocks are left alone; a link the sanitizer will refuse
# (`javascript:`) has a scheme and is no link to a source. Each link the
# author wrote to a place on a page, this one (`#Name`) or another source's
# (`x.py#Name`), is told to `anchored(href, (page name, locale), anchor)`:
# whether the page has that anchor is known once every page is rendered
# (`missing_anchors`). The links Markdown makes itself (a footnote's, a
# test's citation) carry a class, and lead to anchors it made.
class SourceLinks(Treeprocessor):
    def __init__(self, md, page, targets, from_home=False, anchored=None):
        super().__init__(md)
        self.page, self.targets, self.from_home, self.anchored = page, targets, from_home, anchored

    def run(self, root):
        for link in root.iter("a"):
            href = link.get("href")
            if not href:
                continue
            target, missing = linked_page(self.page, self.targets, href)
            fragment = urlsplit(href).fragment
            if target is not None:
                link.set("href", address_of(self.page, self.targets, target, fragment, self.from_home))
            elif missing is not None:
                self.md.report(f"the link {href!r} leads nowhere: {missing} is no source of this site", href)
            elif href.startswith("#"):
                target = self.page.name, self.page.lang
            if target is not None and fragment and self.anchored is not None and not link.get("class"):
                self.anchored(href, target, unquote(fragment))


# A link to a place on a page that is not there lands at the top of the
# page, or nowhere, with no error in the browser: a warning at the link's
# line names the link and the page, once for each link written. The pages
# are all rendered by then; their anchors are checked, not rendered again.
# A page with no anchors known (the home page, "Test results") is not
# checked.
def missing_anchors(pages, rendered):
    """The warnings, in the pages' order, for links whose anchor is not on the page they lead to."""
    bodies = {page: rendered[page].body for page in pages if page in rendered and rendered[page].body is not None}
    by_address = {(page.name, page.lang): (page, body) for page, body in bodies.items()}
    warnings = []
    for page, body in bodies.items():
        for line, href, name, locale, anchor in body.anchored_links:
            target, target_body = by_address.get((name, locale), (None, None))
            if target is None or anchor in target_body.anchors:
                continue
            where = "this page" if target is page else \
                f"the page of {Path(os.path.relpath(target.source, Path(page.source).parent)).as_posix()}"
            warnings.append(f"{display_path(page.source)}:{line}: warning: the link {href!r} leads to no anchor: "
                            f"{where} has no {anchor!r}")
    return warnings
