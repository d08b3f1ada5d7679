"""Which TeX engine draws our formulas whole, measured on tests/formulas.tex.

    python tests/benchmarks/tex_engines.py [--katex node_modules/katex/dist/katex.min.js]

Engines, each run on every formula of tests/formulas.tex (made by
make_formulas.py), displayed:

- latex2mathml as the generator used it before it mended its output;
- latex2mathml through `literate.tex` (mended, and checked whole);
- Pandoc's texmath, through `pypandoc` (`pip install pypandoc-binary`), all
  formulas in one Pandoc run, so that the time is texmath's and not a
  process start per formula;
- KaTeX's MathML output, run in-process by QuickJS (`pip install quickjs`,
  `npm install katex` for `--katex`).

An engine that is not installed is left out. For each: how many formulas
render (no error), how many are right — every letter, digit and function
name of the TeX is in the text of the MathML (`literate.tex.words_of_tex`),
no `<merror>`, and no element inside a token element (`<mrow>` in `<mo>`),
which HTML reads as no MathML and our sanitizer takes away with its text —
and the time per formula. With `--browser`, every engine's MathML goes
through our sanitizer, as on the site, onto one page in Chromium, and a
formula is right when every such word is in the text Chromium draws a box
for.
"""

import argparse
import html
import re
import sys
import time
import unicodedata
from pathlib import Path
from xml.etree import ElementTree
from xml.sax import saxutils

import latex2mathml.converter

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

from literate.commentary import sanitize  # noqa: E402
from literate.tex import TOKENS, tex_to_mathml, text_of_mathml, words_of_tex  # noqa: E402

FORMULAS = ROOT / "tests" / "formulas.tex"


# What the generator did before it mended latex2mathml's output.
def latex2mathml_before(tex):
    element = latex2mathml.converter.convert_to_element(tex.strip(), display="block")
    for node in element.iter():
        if node.text:
            node.text = node.text.replace("<", "&lt;").replace(">", "&gt;")
    mathml = saxutils.unescape(ElementTree.tostring(element, encoding="unicode"))
    if re.search(r">\\[A-Za-z]", mathml):
        raise ValueError("unknown command " + re.search(r">(\\[A-Za-z]+)", mathml).group(1))
    return mathml


def pandoc_all(formulas):
    import pypandoc

    separator = "LPFORMULASEPARATOR"
    document = "\n\n".join(f"{separator}\n\n$$\n{tex}\n$$" for tex in formulas)
    out = pypandoc.convert_text(document, "html", format="markdown", extra_args=["--mathml"])
    pieces = out.split(f"<p>{separator}</p>")[1:]
    return [piece if "<math" in piece else None for piece in pieces]


def katex_engine(path):
    import quickjs

    context = quickjs.Context()
    context.eval(Path(path).read_text(encoding="utf-8"))
    render = context.eval(
        "(tex) => katex.renderToString(tex, {output: 'mathml', displayMode: true, throwOnError: true})")
    return lambda tex: render(tex)


# An engine's MathML as a tree: HTML's named characters (KaTeX writes
# `&nbsp;`) are read as the characters they name, XML's own are left, and
# a bare `&` is a character, as a browser reads it.
def math_element(out):
    text = re.sub(r"&(?!#?\w+;)", "&amp;", re.search(r"<math.*?</math>", out, re.S).group(0))
    named = r"&(?!(?:amp|lt|gt|quot|apos);)[A-Za-z]+;"
    return ElementTree.fromstring(re.sub(named, lambda m: html.unescape(m[0]), text))


def local(tag):
    return tag.rsplit("}", 1)[-1]


def right(tex, out):
    element = math_element(out)
    for node in element.iter():
        node.tag = local(node.tag)
    if any(node.tag == "merror" for node in element.iter()):
        return False
    if any(node.tag in TOKENS and len(node) for node in element.iter()):
        return False
    drawn = text_of_mathml(element)
    return all(word in drawn for word in words_of_tex(tex))


def measure(name, outputs, seconds, formulas, report):
    rendered = [out for out in outputs if out is not None]
    correct = sum(1 for tex, out in zip(formulas, outputs) if out is not None and right(tex, out))
    wrong = [tex for tex, out in zip(formulas, outputs) if out is None or not right(tex, out)]
    print(f"{name:<26} {len(rendered):>4}/{len(formulas)} render  {correct:>4} right  "
          f"{1000 * seconds / len(formulas):7.3f} ms a formula")
    for tex in wrong[:report]:
        print("    not right:", " ".join(tex.split())[:110])


# What Chromium draws: the text of a formula whose box on the page is not
# empty (an element inside a token has none), and whether it holds an
# `<merror>`. Every engine's formulas go on one page.
DRAWN = """() => [...document.querySelectorAll('math')].map(math => {
    const walker = document.createTreeWalker(math, NodeFilter.SHOW_TEXT);
    let text = '', node;
    while ((node = walker.nextNode())) {
        if (node.parentElement.closest('annotation')) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        const box = range.getBoundingClientRect();
        if (box.width > 0 && box.height > 0) text += node.textContent;
    }
    return [math.closest('[data-formula]').dataset.formula, text, !!math.querySelector('merror')];
})"""


def right_in_browser(engines, formulas):
    from playwright.sync_api import sync_playwright

    body = "".join(f'<div data-formula="{name}/{index}">{sanitize(out)}</div>' for name, outputs in engines.items()
                   for index, out in enumerate(outputs) if out is not None)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page()
        page.set_content(f"<!doctype html><html><body>{body}</body></html>")
        drawn = page.evaluate(DRAWN)
        browser.close()
    counts = dict.fromkeys(engines, 0)
    for key, text, error in drawn:
        name, index = key.rsplit("/", 1)
        text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
        counts[name] += not error and all(word in text for word in words_of_tex(formulas[int(index)]))
    for name, count in counts.items():
        print(f"{name:<26} {count:>4}/{len(formulas)} right as Chromium draws them")


def one_by_one(convert, formulas):
    outputs, start = [], time.perf_counter()
    for tex in formulas:
        try:
            outputs.append(convert(tex))
        except Exception:  # every engine raises its own kinds
            outputs.append(None)
    return outputs, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--katex", help="katex.min.js of the katex npm package")
    parser.add_argument("--browser", action="store_true", help="also count what Chromium draws (Playwright)")
    parser.add_argument("--show", type=int, default=5, help="formulas shown that an engine gets wrong")
    options = parser.parse_args()
    formulas = FORMULAS.read_text(encoding="utf-8").rstrip("\n").split("\n%%%\n")
    print(f"{len(formulas)} formulas from {FORMULAS.relative_to(ROOT)}")
    engines = {}
    for name, convert in (("latex2mathml, before", latex2mathml_before),
                          ("latex2mathml, mended", lambda tex: tex_to_mathml(tex, True))):
        engines[name], seconds = one_by_one(convert, formulas)
        measure(name, engines[name], seconds, formulas, options.show)
    try:
        start = time.perf_counter()
        engines["pandoc texmath"] = pandoc_all(formulas)
        measure("pandoc texmath", engines["pandoc texmath"], time.perf_counter() - start, formulas, options.show)
    except ImportError:
        print("pandoc texmath: pypandoc is not installed")
    if options.katex:
        start = time.perf_counter()
        engine = katex_engine(options.katex)
        print(f"KaTeX loaded into QuickJS in {time.perf_counter() - start:.2f} s")
        engines["KaTeX (QuickJS), MathML"], seconds = one_by_one(engine, formulas)
        measure("KaTeX (QuickJS), MathML", engines["KaTeX (QuickJS), MathML"], seconds, formulas, options.show)
    if options.browser:
        right_in_browser(engines, formulas)


if __name__ == "__main__":
    main()
