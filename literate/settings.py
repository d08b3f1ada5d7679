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
      generator_pages: false    # true: the chapter "The generator", this program's own pages
      tutorial_tests:
        timeout: 120            # seconds a tutorial's tests may run
        timeouts: {}            # {file under the source folder: seconds}
        expected_failures: {}   # {file under the source folder: why its tests fail}
```

The languages are not set here: they are those of the mkdocs-static-i18n
plugin when `mkdocs.yml` lists it, and otherwise the one language of the
theme (`theme.language`), so that no two lists can disagree.

In: the loaded settings of MkDocs. Out: the plugin's settings, checked by
MkDocs as it checks its own (an unknown option, a wrong type or a timeout
that is no number of seconds stops it, naming the option), with the paths
made absolute; or a `BuildError` saying that `mkdocs.yml` does not list the
plugin.
"""

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
    # A folder of chapters, each a folder of tutorials; None: MkDocs' `docs_dir`.
    source_dir = options.Optional(options.Dir(exists=True))
    # Verdicts, rendered pages, compiled templates and the build record.
    cache_dir = options.Type(str, default=".cache")
    line_breaks = options.Choice(LINE_BREAK_SETTINGS, default="join")
    # The chapter "The generator" shows this program's own sources: it is
    # this repository's site that is about the generator, not every site.
    generator_pages = options.Type(bool, default=False)
    tutorial_tests = options.SubConfig(TutorialTestsConfig)


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
