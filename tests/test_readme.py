"""README is a quickstart, and what it says holds.

It fits in 150 lines; its commands are those CI runs (`.ci/run` runs its
test command); torch's CPU wheel is named as the workflow installs it; its
example tutorial is a tutorial whose tests pass, and the guide's; its
`mkdocs.yml` for another repository is at most ten lines that MkDocs loads
with the plugin; its screenshot is a small PNG in the repository; and the
places it points to exist.
"""

import os
import re
import subprocess
import sys

import pytest
import yaml

import literate.parse
import literate.settings
import literate.render
import literate.textfirst
from support import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
GUIDE = ROOT / "literate" / "guide"


def blocks(language):
    return re.findall(rf"^```{language}\n(.*?)^```$", README, re.M | re.S)


def test_readme_is_a_quickstart():
    assert len(README.splitlines()) <= 150


def test_its_commands_are_the_ones_ci_runs():
    commands = [line.split("  #")[0].strip() for line in blocks("sh")[0].splitlines()]
    assert commands == ["pip install -r requirements.txt", "python build_docs.py", "pytest -n auto --dist loadfile"]
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
          if line.strip() and not line.lstrip().startswith("#")]
    assert ci[-1] == commands[-1], ".ci/run runs README's test command"
    assert any(line.endswith("-r requirements.txt") for line in ci) and "python3 build_docs.py" in ci


# That command hands out the test files longest first, in the order
# conftest.py sorts them (LONGEST_FIRST), not in pytest-xdist's own (the
# most tests first): here a listed file's one test, before a file of many
# that is not listed.
def test_its_test_command_hands_out_the_longest_files_first(tmp_path):
    env = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")}
    done = subprocess.run([sys.executable, "-m", "pytest", "-n", "1", "--dist", "loadfile", "-v",
                           "-p", "no:cacheprovider", "--basetemp", str(tmp_path / "run"),
                           "tests/test_settings.py", "tests/test_publish.py::test_no_run_cannot_publish"],
                          cwd=ROOT, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    ran = re.findall(r" PASSED (tests/\w+\.py)::", done.stdout)
    assert list(dict.fromkeys(ran)) == ["tests/test_publish.py", "tests/test_settings.py"], done.stdout


def test_it_names_the_cpu_wheel_the_workflow_installs():
    (workflow,) = (ROOT / ".github" / "workflows").glob("*.y*ml")
    env = yaml.safe_load(workflow.read_text(encoding="utf-8"))["env"]
    assert f"pip install {env['TORCH']} --index-url {env['TORCH_INDEX']}" in README


def test_its_example_is_a_tutorial_of_fifteen_lines_whose_tests_pass(tmp_path):
    (example,) = blocks("python")
    assert len(example.splitlines()) <= 15
    code = example
    parsed = literate.parse.parse_code(code)
    title, _ = literate.render.title_and_summary(parsed.sections, "01_mean", parsed.opens_with_docstring)
    assert title == "The mean of squares"
    (tmp_path / "01_mean.py").write_text(example, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "01_mean.py"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout + done.stderr
    assert f"```python\n{example}```" in (GUIDE / "01_writing.py.txt").read_text(encoding="utf-8")


def test_another_repository_needs_ten_lines_of_mkdocs_yml(tmp_path):
    (settings,) = blocks("yaml")
    assert len(settings.splitlines()) <= 10
    assert yaml.safe_load(settings)["plugins"] == ["search", "literate"]
    (tmp_path / "source").mkdir()
    (tmp_path / "mkdocs.yml").write_text(settings, encoding="utf-8")
    config = literate.settings.load_mkdocs_config(tmp_path / "mkdocs.yml", tmp_path / "source", tmp_path / "site")
    assert "literate" in config.plugins and "i18n" not in config.plugins


def test_its_screenshot_is_a_small_png_of_this_repository():
    (image,) = re.findall(r"!\[[^\]]+\]\(([^)]+)\)", README)
    data = (ROOT / image).read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) < 150_000


@pytest.mark.parametrize("place", ["literate/guide/", "tests/benchmarks/README.md", "tests/test_any_repository.py"])
def test_the_places_it_points_to_exist(place):
    assert f"`{place}`" in README and (ROOT / place).exists()


def test_the_guide_opens_where_it_says():
    (page,) = re.findall(r"`site/(guide/[\w/]+)/index\.html`", README)
    names = [re.sub(r"^\d+_", "", path.name.removesuffix(literate.textfirst.LITERATE_SUFFIX))
             for path in GUIDE.glob("*" + literate.textfirst.LITERATE_SUFFIX)]
    assert page.removeprefix("guide/") in names
