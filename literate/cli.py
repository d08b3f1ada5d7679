"""
# The command line: `literate build`, `literate serve`, `literate gh-deploy`

The package installs the command `literate`; `build_docs.py` is this
repository's name for the same command.

In: the arguments of the command line. Out: the site built, served or
published (see "Build", "Serve" and "Deploy"), a line saying so, and an
exit status: 0, or 1 with the error on standard error, naming the file and
line to fix. A command given an option of another command stops before it
reads anything, and names the command the option belongs to.
"""

import argparse
import logging
import sys
import time
from pathlib import Path

from literate import __version__
from literate.read import BuildError
from literate.console import Console
from literate.judge import TutorialTestOptions
from literate.build import build_site, write_pages_only
from literate.deploy import DeployError, deploy_site
from literate.serve import serve_site


# Each command has the options that mean something to it, and its own
# `--help`. Paths are relative to the working directory; an option left
# out takes its value from `mkdocs.yml` (see "Settings"), relative to it as
# MkDocs reads it: the site goes where `mkdocs build` puts it, its
# `site_dir` or `site/` beside it.
COMMANDS = {
    "build": "build the site: run the tutorials' tests, render the pages, and run MkDocs (the default)",
    "serve": "serve a live preview that is built again on every edit",
    "gh-deploy": "build the site and publish it to a branch GitHub Pages serves",
}


# Each option, with the commands it belongs to.
OPTIONS = [
    (("--config",), {"metavar": "FILE", "help": "MkDocs' settings (default: {config})"}, COMMANDS),
    (("--source",), {"metavar": "DIR", "help": "folder of tutorial sources (default: the plugin's source_dir "
                                               "in --config, else its docs_dir)"}, COMMANDS),
    (("--cache-dir",), {"metavar": "DIR", "help": "where test results and rendered pages are kept between "
                                                  "builds (default: the plugin's cache_dir in --config, .cache/ "
                                                  "beside it)"}, COMMANDS),
    (("-v", "--verbose"), {"action": "store_true", "help": "also print what MkDocs does"}, COMMANDS),
    (("-q", "--quiet"), {"action": "store_true", "help": "print only warnings and errors"}, COMMANDS),
    (("--site-dir",), {"metavar": "DIR", "help": "where the built site goes (default: site_dir in --config, else "
                                                "site/ beside it)"},
     ("build", "gh-deploy")),
    # A published site is one whose every claim was proven on its build.
    (("--no-run",), {"action": "store_true", "help": "do not run the tutorials' tests; their pages say 'not run'"},
     ("build", "serve")),
    (("--pages-only",), {"metavar": "DIR", "help": "write the generated Markdown pages to DIR and stop, "
                                                   "without running MkDocs"}, ("build",)),
    (("--dev-addr",), {"default": "127.0.0.1:8000", "metavar": "HOST:PORT",
                       "help": "address to serve at (default: 127.0.0.1:8000; port 0: a free one)"}, ("serve",)),
    (("--remote-name",), {"metavar": "NAME", "help": "the git remote to push to (default: remote_name of "
                                                     "mkdocs.yml, origin)"}, ("gh-deploy",)),
    (("--remote-branch",), {"metavar": "BRANCH", "help": "the branch to publish to (default: remote_branch of "
                                                         "mkdocs.yml, gh-pages)"}, ("gh-deploy",)),
]


def command_parsers(prog, config_default):
    parser = argparse.ArgumentParser(
        prog=prog, description="Literate Python tutorials -> a site of pages, commentary beside the code.",
        epilog=f"'{prog} COMMAND --help' lists the options of a command; without a command, {prog} builds.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    subparsers = {name: commands.add_parser(name, help=text, description=text) for name, text in COMMANDS.items()}
    for flags, settings, owners in OPTIONS:
        settings = dict(settings, help=settings["help"].format(config=config_default))
        if flags[0] == "--config":
            settings["default"] = config_default
        for name in owners:
            subparsers[name].add_argument(*flags, **settings)
    return parser, subparsers


# argparse alone would answer `build --dev-addr X` with "unrecognized
# arguments", as it would a typo; an option of another command is named as
# such, with the commands it belongs to.
def check_options_apply(parser, command, argv):
    for argument in argv:
        if argument == "--":
            break
        option = argument.split("=", 1)[0]
        for flags, _, owners in OPTIONS:
            if option in flags and command not in owners:
                parser.error(f"{option} does not apply to {command}: it is an option of {' and '.join(owners)}")


def parse_arguments(argv, prog="literate", config_default="mkdocs.yml"):
    parser, subparsers = command_parsers(prog, config_default)
    argv = list(argv)
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help", "--version")):
        argv.insert(0, "build")
    if argv[0] in COMMANDS:
        check_options_apply(subparsers[argv[0]], argv[0], argv[1:])
    arguments = parser.parse_args(argv)
    if arguments.verbose and arguments.quiet:
        subparsers[arguments.command].error("-v and -q: choose one")
    config_dir = Path(arguments.config).parent
    if hasattr(arguments, "site_dir"):
        arguments.site_dir = arguments.site_dir or str(config_dir / configured_site_dir(arguments.config))
    return arguments


# Read with MkDocs' own YAML loader, which follows `INHERIT` and `!ENV`. A
# file it cannot read here is read again by the build, which names what is
# wrong with it.
def configured_site_dir(config_file):
    from mkdocs.utils.yaml import yaml_load
    from yaml import YAMLError

    try:
        with open(config_file, encoding="utf-8") as file:
            return (yaml_load(file) or {}).get("site_dir") or "site"
    except (OSError, YAMLError, AttributeError):
        return "site"


# MkDocs tells what it does at INFO, which shows only with `-v`: a preview
# prints its address and a line per rebuild itself (see "Serve"). Returns
# the level it replaced: `main` puts it back, for a process that goes on
# after a command (a test's, a script's) and whose next build must not be
# silenced by this one's `-q`.
def set_loudness(arguments):
    logging.basicConfig(format="%(levelname)s: %(message)s", level=logging.WARNING)
    mkdocs_level = logging.WARNING
    if arguments.verbose:
        mkdocs_level = logging.INFO
    elif arguments.quiet:
        mkdocs_level = logging.ERROR
    replaced = logging.getLogger("mkdocs").level
    logging.getLogger("mkdocs").setLevel(mkdocs_level)
    return replaced


def main(argv=None, prog="literate", config_default="mkdocs.yml"):
    """Run the command line `argv` (by default `sys.argv[1:]`); returns the exit status."""
    arguments = parse_arguments(sys.argv[1:] if argv is None else argv, prog, config_default)
    console = Console(quiet=arguments.quiet)
    testing = TutorialTestOptions(run=not getattr(arguments, "no_run", False),
                                  cache_dir=arguments.cache_dir and Path(arguments.cache_dir), console=console)
    replaced_level = set_loudness(arguments)
    say = console.say
    try:
        if arguments.command == "serve":
            serve_site(arguments.source, arguments.config, arguments.dev_addr, testing)
        elif arguments.command == "gh-deploy":
            say(deploy_site(arguments.source, arguments.site_dir, arguments.config, testing,
                            arguments.remote_name, arguments.remote_branch))
        elif arguments.pages_only:
            started = time.perf_counter()
            write_pages_only(arguments.source, arguments.pages_only, arguments.config, testing)
            say(f"wrote the pages to {arguments.pages_only} in {time.perf_counter() - started:.1f} s")
        else:
            started = time.perf_counter()
            build_site(arguments.source, arguments.site_dir, arguments.config, testing)
            say(f"built {arguments.site_dir} in {time.perf_counter() - started:.1f} s")
    except (BuildError, DeployError) as error:
        print(error, file=sys.stderr)
        return 1
    except OSError as error:  # a site folder that cannot be written, a full disk
        print(f"{error.filename or prog}: {error.strerror or error}", file=sys.stderr)
        return 1
    except Exception as error:
        from mkdocs.exceptions import MkDocsException

        if isinstance(error, MkDocsException):
            print(f"mkdocs: {error}", file=sys.stderr)
            return 1
        raise
    finally:
        logging.getLogger("mkdocs").setLevel(replaced_level)
    return 0


def run():
    """The console script `literate`."""
    sys.exit(main())
