"""The command line: `literate` (and `build_docs.py`), its commands and their options.

Each command has its own help and options; an option of another command
is refused before anything is read, naming the command it belongs to.
"""

import logging
import re
import subprocess
import sys

import pytest

import literate
import literate.cli
from literate.cli import parse_arguments
from literate.console import Console
from support import ROOT

pytestmark = pytest.mark.quick


def command(*arguments):
    return subprocess.run([sys.executable, str(ROOT / "build_docs.py"), *arguments], capture_output=True, text=True)


def test_version():
    done = command("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"build_docs.py {literate.__version__}"


def test_each_command_has_its_own_help():
    helps = {name: command(name, "--help") for name in ("build", "serve", "gh-deploy")}
    assert all(done.returncode == 0 for done in helps.values())
    assert "--dev-addr" in helps["serve"].stdout and "--dev-addr" not in helps["build"].stdout
    assert "--remote-branch" in helps["gh-deploy"].stdout and "--remote-branch" not in helps["serve"].stdout
    assert "--pages-only" in helps["build"].stdout and "--no-run" not in helps["gh-deploy"].stdout


@pytest.mark.parametrize("arguments, message", [
    (["build", "--dev-addr", "127.0.0.1:9"], "--dev-addr does not apply to build: it is an option of serve"),
    (["--remote-name", "upstream"], "--remote-name does not apply to build: it is an option of gh-deploy"),
    (["serve", "--site-dir=x"], "--site-dir does not apply to serve: it is an option of build and gh-deploy"),
    (["gh-deploy", "--no-run"], "--no-run does not apply to gh-deploy: it is an option of build and serve"),
    (["build", "-v", "-q"], "-v and -q: choose one"),
])
def test_an_option_that_does_not_apply_is_an_error(arguments, message):
    done = command(*arguments)
    assert done.returncode == 2 and done.stdout == ""
    assert message in done.stderr, done.stderr


def test_without_a_command_it_builds_with_the_folders_of_its_settings(tmp_path):
    arguments = parse_arguments(["--no-run", "-q", "--config", str(tmp_path / "mkdocs.yml")])
    assert (arguments.command, arguments.no_run, arguments.quiet) == ("build", True, True)
    assert (arguments.source, arguments.site_dir, arguments.cache_dir) == (None, str(tmp_path / "site"), None)



def test_the_site_goes_where_mkdocs_yml_says_as_mkdocs_build_puts_it(tmp_path):
    (tmp_path / "mkdocs.yml").write_text("site_name: S\nsite_dir: public\n", encoding="utf-8")
    for command in ("build", "gh-deploy"):
        arguments = parse_arguments([command, "--config", str(tmp_path / "mkdocs.yml")])
        assert arguments.site_dir == str(tmp_path / "public")
    arguments = parse_arguments(["--config", str(tmp_path / "mkdocs.yml"), "--site-dir", "elsewhere"])
    assert arguments.site_dir == "elsewhere"

# ## What a command prints
#
# On a terminal a long step shows its count as it goes, and the lines said
# meanwhile stay above the bar; anywhere else only the lines are printed;
# a quiet command prints neither.
def say_three_steps(console):
    with console.steps("pages", 3) as advance:
        for number in range(3):
            console.say(f"line {number}")
            advance()


def test_a_terminal_shows_each_step_counted_and_every_line(capsys):
    say_three_steps(Console(terminal=True))
    out = capsys.readouterr().out
    assert {"0", "1", "2"} <= set(re.findall(r"pages: (\d)/3", out)), out
    assert [line for line in out.replace("\r", "\n").splitlines() if line.startswith("line")] == [
        "line 0", "line 1", "line 2"]


def test_elsewhere_only_the_lines_are_printed_and_quiet_prints_nothing(capsys):
    say_three_steps(Console(terminal=False))
    assert capsys.readouterr().out == "line 0\nline 1\nline 2\n"
    say_three_steps(Console(quiet=True, terminal=True))
    assert capsys.readouterr().out == ""


# `main` also runs inside processes that go on (a test's, a script's): the
# loudness one command chose is not left behind, where `-q` would hide the
# warnings of every build after it.
def test_a_command_leaves_mkdocs_logging_as_it_found_it(tmp_path):
    mkdocs, before = logging.getLogger("mkdocs"), logging.getLogger("mkdocs").level
    assert literate.cli.main(["build", "-q", "--config", str(tmp_path / "mkdocs.yml"), "--source", str(tmp_path)]) == 1
    assert mkdocs.level == before
