"""A real series built unchanged: what its reader sees, and how long it takes.

    python tests/benchmarks/bench_series.py PATH/TO/SERIES [--keep DIR]

PATH is the series' source folder as its authors keep it (for the
`labml-nn` package from PyPI: its `labml_nn/` folder, unpacked from the
wheel). The series is never copied into this repository: the site, the
cache and a `mkdocs.yml` of the plainest kind (Material, search, literate)
go into a temporary folder, or DIR. The script builds the site with
`--no-run` from nothing, then runs Pycco over the same files (`pycco -p`,
which keeps their folders) when `pycco` is installed, and prints:

- whether the build succeeded, its wall-clock and CPU time (its own and
  its workers'), and Pycco's;
- the number of `.py` files, of pages made from them, and of sources
  with no page of their own (the source folder's own `__init__.py` is the
  home page's introduction);
- the warnings, counted by kind;
- the pages whose front matter's title is not their title, and those
  that show front matter as text;
- the links between pages that lead to no page, or to no such anchor on
  it, checked in the built HTML as a reader would follow them.
"""

import argparse
import ast
import collections
import html
import posixpath
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from literate.frontmatter import read_front_matter  # noqa: E402

CONFIG = """site_name: {name}
docs_dir: {source}
theme:
  name: material
  font: false
plugins:
  - search
  - literate
"""
WARNING = re.compile(r"^(?P<where>\S+?):(?P<line>\d+): warning: (?P<message>.*)$")


def timed(command, cwd=None):
    before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return result, time.perf_counter() - start, cpu


# A warning's kind: its message up to the first colon, with what it
# quotes left out.
def kind_of(message):
    message = re.sub(r"(?<!\w)'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", "…", message)
    return message.split(":", 1)[0][:60]


def front_matter_titles(source):
    titles = {}
    for path in sorted(source.rglob("*.py")):
        try:
            docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")), clean=False)
        except (SyntaxError, UnicodeDecodeError):
            continue
        title = read_front_matter(docstring or "").title
        if title:
            titles[path] = title
    return titles


def page_title(page_html):
    found = re.search(r"<title>(.*?)</title>", page_html, re.S)
    return html.unescape(found.group(1)).rsplit(" - ", 1)[0].strip() if found else None


# Every link in the pages' text (not the navigation's) that stays in the
# site and names a page or a place on one (`x/`, `../y/#Name`, `#Name`),
# followed as a browser would.
def broken_links(site):
    pages = {path: path.read_text(encoding="utf-8") for path in site.rglob("index.html")}
    ids = {path: set(re.findall(r'\sid="([^"]+)"', text)) | set(re.findall(r'\sname="([^"]+)"', text))
           for path, text in pages.items()}
    total, broken = 0, []
    for path, text in pages.items():
        article = re.search(r"<article.*?</article>", text, re.S)
        for tag, href in re.findall(r'(<a [^>]*href="([^"]+)"[^>]*>)', article.group(0) if article else ""):
            if re.search(r'class="(?:lp-anchor|headerlink)"', tag):  # a section's own "link to here"
                continue
            address, _, fragment = html.unescape(href).partition("#")
            if re.match(r"[a-z][\w+.-]*:", address) or not (address.endswith("/") or address in ("", ".")):
                continue
            if not address and not fragment:
                continue
            total += 1
            target = (path.parent / address / "index.html").resolve() if address else path
            if target not in pages or (fragment and fragment not in ids[target]):
                broken.append(f"{path.relative_to(site).parent}/: {href}")
    return total, broken


def main(argv=None):
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options.add_argument("source", type=Path)
    options.add_argument("--keep", type=Path, help="work here, and keep the site, instead of a temporary folder")
    arguments = options.parse_args(argv)
    source = arguments.source.resolve()
    work = arguments.keep or Path(tempfile.mkdtemp(prefix="bench_series-"))
    shutil.rmtree(work / "site", ignore_errors=True)
    shutil.rmtree(work / "cache", ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    (work / "mkdocs.yml").write_text(CONFIG.format(name=source.name, source=source), encoding="utf-8")
    result, wall, cpu = timed([sys.executable, str(ROOT / "build_docs.py"), "--no-run", "--config",
                               str(work / "mkdocs.yml"), "--source", str(source), "--site-dir", str(work / "site"),
                               "--cache-dir", str(work / "cache")])
    files = sorted(source.rglob("*.py"))
    print(f"{source}: {len(files)} .py files")
    print(f"build --no-run: {'built' if result.returncode == 0 else 'FAILED'} in {wall:.1f} s ({cpu:.1f} s CPU)")
    if result.returncode:
        print(result.stderr[-3000:])
        return 1
    if shutil.which("pycco"):
        shutil.rmtree(work / "pycco", ignore_errors=True)
        relative = [str(path.relative_to(source.parent)) for path in files]
        pycco, pycco_wall, pycco_cpu = timed(["pycco", "-p", "-d", str(work / "pycco"), *relative], cwd=source.parent)
        print(f"pycco -p: {'done' if pycco.returncode == 0 else 'FAILED'} in {pycco_wall:.1f} s ({pycco_cpu:.1f} s CPU)")

    site = work / "site"
    shown = [path for path in files if (site / posixpath.dirname(page_address(path, source)) / "index.html").exists()
             and path != source / "__init__.py"]  # the home page is not the source folder's __init__.py
    print(f"pages of sources: {len(shown)} of {len(files)} files "
          f"(without a page: {', '.join(str(path.relative_to(source)) for path in files if path not in shown) or 'none'})")

    warnings = [WARNING.match(line) for line in result.stderr.splitlines()]
    kinds = collections.Counter(kind_of(found["message"]) for found in warnings if found)
    print(f"warnings: {sum(kinds.values())}")
    for kind, count in kinds.most_common():
        print(f"  {count:4}  {kind}")

    titles = front_matter_titles(source)
    wrong, as_text = [], []
    for path, title in titles.items():
        page = site / posixpath.dirname(page_address(path, source)) / "index.html"
        if not page.exists():
            continue
        text = page.read_text(encoding="utf-8")
        if page_title(text) != title:
            wrong.append(f"{path.relative_to(source)}: {page_title(text)!r} for {title!r}")
        if re.search(r"title:\s", re.sub(r"<[^>]+>", "", text.split("<article", 1)[-1])):
            as_text.append(str(path.relative_to(source)))
    print(f"front matter: {len(titles)} files; {len(wrong)} pages titled otherwise; {len(as_text)} show it as text")
    for line in wrong[:10] + as_text[:10]:
        print(f"  {line}")

    total, broken = broken_links(site)
    print(f"links between pages: {total}, {len(broken)} broken")
    for line in broken[:20]:
        print(f"  {line}")
    return 0


# Where the page of a source is, as the generator publishes it: folders and
# file without their numeric prefixes, a package's `__init__.py` at its
# folder's address.
def page_address(path, source):
    parts = [re.sub(r"^\d+_", "", part) for part in path.relative_to(source).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts[-1] = "index"
    return "/".join(parts[:-1] + ([] if parts[-1] == "index" else [parts[-1]]) + ["index"])


if __name__ == "__main__":
    sys.exit(main())
