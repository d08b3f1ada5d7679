"""
# Settings: what `mkdocs.yml` tells the generator

A site switches the generator on with one line under `plugins:` in
`mkdocs.yml`, and sets it there, under the plugin's name:

```yaml
plugins:
  - search
  - literate:
      source_dir: source        # default: MkDocs' docs_dir
      cache_dir: .cache         # beside mkdocs.yml unless absolute
      line_breaks: join         # or keep: every line break of commentary stays one
      generator_pages: false    # true: the chapters "Guide" and "The generator", its manual and sources
      tutorial_tests:
        timeout: 120            # seconds a tutorial's tests may run
        timeouts: {}            # {file under the source folder: seconds}
        expected_failures: {}   # {file under the source folder: why its tests fail}
```

The languages are not set here: they are those of the mkdocs-static-i18n
plugin when `mkdocs.yml` lists it, and otherwise the one language of the
theme (`theme.language`), so that no two lists can disagree.

In: `mkdocs.yml`. Out: MkDocs' settings loaded for a build, with the
plugin of this package; the plugin's settings, checked by MkDocs as it
checks its own (an unknown option, a wrong type or a timeout that is no
number of seconds stops it, naming the option), with the paths made
absolute; or a `BuildError` saying that `mkdocs.yml` does not list the
plugin. And the reference of the settings, a row each with its kind, its
default and what it is for, which the guide's page "Configuration" shows.
"""

import json
import logging
from pathlib import Path

from mkdocs.config import base
from mkdocs.config import config_options as options

from literate.read import BuildError, display_path

PLUGIN_NAME = "literate"
DEFAULT_TIMEOUT = 120
LINE_BREAK_SETTINGS = ("join", "keep")


class Seconds(options.BaseConfigOption):
    """A positive number of seconds; a bool is no number here, though Python counts it as one."""

    def __init__(self, default=None):
        super().__init__()
        self.default = default

    def run_validation(self, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise base.ValidationError(f"must be a number of seconds, not {value!r}")
        return value


class TutorialTestsConfig(base.Config):
    timeout = Seconds(default=DEFAULT_TIMEOUT)
    timeouts = options.DictOfItems(Seconds(), default={})
    expected_failures = options.DictOfItems(options.Optional(options.Type(str)), default={})


class LiterateConfig(base.Config):
    source_dir = options.Optional(options.Dir(exists=True))
    cache_dir = options.Type(str, default=".cache")
    line_breaks = options.Choice(LINE_BREAK_SETTINGS, default="join")
    generator_pages = options.Type(bool, default=False)
    tutorial_tests = options.SubConfig(TutorialTestsConfig)


# What each setting is for. The guide's reference of the settings (its page
# "Configuration") is made at every build from these lines and the classes
# above, so that it cannot drift from what MkDocs checks: a setting
# without its line here, or a line whose setting is gone, stops the build.
MEANINGS = {
    "source_dir": "The folder of tutorials: its folders are chapters, their `.py` and `.py.txt` files pages."
                  " Unset, it is MkDocs' `docs_dir`.",
    "cache_dir": "Where the tutorials' verdicts, the rendered pages, the compiled templates and the build record"
                 " are kept between builds; relative to `mkdocs.yml`. `--cache-dir` overrides it.",
    "line_breaks": "`join`: the lines of a paragraph of commentary join, as Markdown joins them (with no space"
                   " between two Chinese characters). `keep`: every line break stays one.",
    "generator_pages": "The chapters \"Guide\" and \"The generator\": this program's manual and its own sources."
                       " It is this repository's site that is about the generator, not every site.",
    "tutorial_tests": "How the tutorials' tests run on each build (below).",
    "tutorial_tests.timeout": "Seconds a tutorial's tests may run before they are stopped and the build fails.",
    "tutorial_tests.timeouts": "Other limits for single files, named by their path under the source folder.",
    "tutorial_tests.expected_failures": "Tutorials whose tests fail on purpose, each with the reason: they do not"
                                        " fail the build, and their pages say so. One whose tests pass stops"
                                        " the build, so that the list cannot go stale.",
}


# The reference's rows, (setting, what it takes, its default, what it is
# for), a sub-setting after its parent as `parent.name`.
def settings_reference(config_class=LiterateConfig, meanings=None, prefix=""):
    meanings = MEANINGS if meanings is None else meanings
    rows = []
    for name, option in config_class._schema:
        key = prefix + name
        if key not in meanings:
            raise BuildError(f"{display_path(__file__)}: the setting {key} has no line in MEANINGS")
        rows.append((key, kind_of(option), "" if isinstance(option, options.SubConfig) else yaml_value(option.default),
                     meanings[key]))
        if isinstance(option, options.SubConfig):
            rows += settings_reference(option.config_class, meanings, key + ".")
    if not prefix and len(rows) != len(meanings):
        stale = sorted(set(meanings) - {row[0] for row in rows})
        raise BuildError(f"{display_path(__file__)}: MEANINGS describes settings that do not exist: {', '.join(stale)}")
    return rows


def kind_of(option):
    if isinstance(option, options.Optional):
        return kind_of(option.option)
    if isinstance(option, options.SubConfig):
        return "settings"
    if isinstance(option, options.Dir):
        return "a folder"
    if isinstance(option, options.Choice):
        return " or ".join(f"`{choice}`" for choice in option.choices)
    if isinstance(option, Seconds):
        return "seconds"
    if isinstance(option, options.DictOfItems):
        return f"{{file: {kind_of(option.option_type)}}}"
    return {bool: "`true` or `false`", str: "text"}[option._type]


def yaml_value(value):
    return "none" if value is None else f"`{json.dumps(value)}`" if isinstance(value, (bool, dict)) else f"`{value}`"


def literate_settings(config):
    """The plugin's settings in the loaded MkDocs `config`."""
    plugin = config.plugins.get(PLUGIN_NAME)
    if plugin is None:
        raise BuildError(f"{display_path(config.config_file_path)}: the plugin {PLUGIN_NAME} is not under plugins:"
                         f" list it there (plugins: [search, {PLUGIN_NAME}])")
    return plugin.config


def source_folder(config):
    return Path(literate_settings(config).source_dir or config.docs_dir).resolve()


# Relative to `mkdocs.yml`, as MkDocs' own paths are, not to wherever the
# command runs.
def cache_folder(config):
    return Path(config.config_file_path).parent / literate_settings(config).cache_dir


# ## MkDocs' settings for a build
#
# A build loads `mkdocs.yml` with the folder of generated pages as MkDocs'
# `docs_dir`, in strict mode, so that a warning (a broken link, a missing
# page) fails the build instead of scrolling past.
#
# Paths in `mkdocs.yml` are relative to it, as MkDocs' own are; Material
# reads its `jieba_dict_user` relative to the working directory instead, so
# that one is made absolute here.
#
# `mkdocs.yml` lists the plugin of this package (see "The MkDocs plugin"),
# which MkDocs loads by its name; `cache_dir` is where it keeps Material's
# templates compiled, `overrides` replace settings of `mkdocs.yml`
# (`gh-deploy` sets its remote), and with `processes` the plugin builds the
# languages after the first in a process of their own.
def load_mkdocs_config(config_file, docs_dir, site_dir, cache_dir=None, overrides=None, processes=True):
    from mkdocs.config import load_config

    quiet_jieba()
    config = load_config(str(config_file), strict=True, site_dir=str(site_dir), **(overrides or {}))
    search_dictionary_beside_settings(config)
    literate_settings(config)  # a BuildError unless mkdocs.yml lists the plugin
    plugin = config.plugins[PLUGIN_NAME]
    plugin.source_dir = source_folder(config)
    config["docs_dir"] = str(docs_dir)
    plugin.prepare(cache_dir, processes)
    return config


def search_dictionary_beside_settings(config):
    search = config.plugins.get("material/search")
    if search and search.config.jieba_dict_user:
        search.config.jieba_dict_user = str(Path(config.config_file_path).parent / search.config.jieba_dict_user)


# Material's search segments Chinese with jieba when it is installed, and
# jieba narrates its start-up at DEBUG level, on its own handler.
def quiet_jieba():
    try:
        import jieba
    except ImportError:
        return
    jieba.setLogLevel(logging.WARNING)
