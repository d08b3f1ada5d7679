"""
# Links: a link to a source leads to its page

Commentary links to other sources the way its authors think of them: by
the file (`x.py`, `../y/z.py#Name`, a folder's `__init__.py`), or by the
name their own generator gave its page (`x.html`, `index.html` for a
folder's `__init__.py`, `x.md`).

In: the site's pages and languages, and a link in a page's commentary.
Out: where every source is published (`LinkTargets`), for the pages to
render with; and for a link, the address of the page it names, relative
to the linking page, in the reader's language when the page has one, or
a warning at the link's line when it names no source of the site.
"""

import os
import posixpath
import functools
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from markdown.treeprocessors import Treeprocessor

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


# The address a link leads to from `page` (or, for its summary, from the
# home page that shows it), among the site's `targets`, or None when it
# names no source (`missing` is then the file it looked for) or is no link
# to a source.
def resolve(page, targets, href, from_home=False):
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
    if (name, page.lang) in targets.url:
        locale = page.lang
    here = targets.url["" if from_home else page.name, page.lang]
    address = posixpath.relpath(targets.url[name, locale] or ".", here or ".") + "/"
    return address + (f"#{parts.fragment}" if parts.fragment else ""), None


# Links are found in Markdown's element tree, so a link's text, code spans
# and code blocks are left alone; a link the sanitizer will refuse
# (`javascript:`) has a scheme and is no link to a source.
class SourceLinks(Treeprocessor):
    def __init__(self, md, page, targets, from_home=False):
        super().__init__(md)
        self.page, self.targets, self.from_home = page, targets, from_home

    def run(self, root):
        for link in root.iter("a"):
            href = link.get("href")
            if not href:
                continue
            address, missing = resolve(self.page, self.targets, href, self.from_home)
            if address is not None:
                link.set("href", address)
            elif missing is not None:
                self.md.report(f"the link {href!r} leads nowhere: {missing} is no source of this site", href)
