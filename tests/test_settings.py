"""The plugin's settings: MkDocs checks them, under the plugin's name in mkdocs.yml.

A setting of the wrong kind stops the build before anything is read, with
MkDocs' own message naming the option; settings left out take their
defaults; and a mkdocs.yml without the plugin is refused, saying so.
"""

import logging
import textwrap

import pytest
from mkdocs.config import config_options as mkdocs_options
from mkdocs.exceptions import Abort

import literate.read
import literate.settings
import literate.write
from support import ROOT

pytestmark = pytest.mark.quick


def load(tmp_path, plugin):
    """mkdocs.yml with these lines under `plugins:`, loaded as a build loads it."""
    (tmp_path / "source").mkdir(exist_ok=True)
    settings = tmp_path / "mkdocs.yml"
    settings.write_text("site_name: A series\ndocs_dir: source\ntheme: material\nplugins:\n"
                        + textwrap.indent(plugin, "  "), encoding="utf-8")
    return literate.settings.load_mkdocs_config(settings, tmp_path / "source", tmp_path / "site")


def test_defaults(tmp_path):
    settings = load(tmp_path, "- literate\n").plugins["literate"].config
    assert (settings.source_dir, settings.cache_dir, settings.line_breaks, settings.generator_pages) == (
        None, ".cache", "join", False)
    assert (settings.tutorial_tests.timeout, settings.tutorial_tests.timeouts,
            settings.tutorial_tests.expected_failures) == (120, {}, {})


def test_paths_are_relative_to_mkdocs_yml(tmp_path):
    settings = load(tmp_path, "- literate:\n    source_dir: source\n").plugins["literate"].config
    assert settings.source_dir == str(tmp_path / "source")


@pytest.mark.parametrize("plugin, message", [
    ("line_breaks: nl2br", "option 'line_breaks': Expected one of: ('join', 'keep') but received: 'nl2br'"),
    ("tutorial_tests: {timeout: true}", "Sub-option 'timeout': must be a number of seconds, not True"),
    ("tutorial_tests: {timeouts: {a.py: soon}}", "Sub-option 'timeouts': must be a number of seconds, not 'soon'"),
    ("tutorial_tests: {timeout: -1}", "must be a number of seconds, not -1"),
    ("generator_pages: maybe", "option 'generator_pages': Expected type: <class 'bool'>"),
    ("source_dir: nowhere", "option 'source_dir': The path '{tmp_path}/nowhere' isn't an existing directory"),
    ("colour: blue", "option 'colour': Unrecognised configuration name: colour"),
])
def test_a_wrong_setting_stops_mkdocs_naming_it(tmp_path, caplog, plugin, message):
    with caplog.at_level(logging.WARNING), pytest.raises(Abort):
        load(tmp_path, f"- literate:\n    {plugin}\n")
    assert message.format(tmp_path=tmp_path) in caplog.text


def test_mkdocs_yml_must_list_the_plugin(tmp_path):
    with pytest.raises(literate.read.BuildError, match=r"mkdocs\.yml: the plugin literate is not under plugins"):
        load(tmp_path, "- search\n")


def test_this_sites_settings():
    config = literate.settings.load_mkdocs_config(ROOT / "mkdocs.yml", ROOT / "source", ROOT / "site")
    assert config.plugins["literate"].config.generator_pages is True


# ## The guide's reference of the settings
#
# The page "Configuration" is made from the classes above at every build.

def leaf_settings(config_class, prefix=""):
    """Every setting a mkdocs.yml can write, read from MkDocs' own schema."""
    names = []
    for name, option in config_class._schema:
        names.append(prefix + name)
        if isinstance(option, mkdocs_options.SubConfig):
            names += leaf_settings(option.config_class, f"{prefix}{name}.")
    return names


def test_the_reference_has_a_row_for_every_setting_with_its_default():
    rows = {name: (kind, default) for name, kind, default, _ in literate.settings.settings_reference()}
    assert list(rows) == leaf_settings(literate.settings.LiterateConfig)
    assert rows["line_breaks"] == ("`join` or `keep`", "`join`")
    assert rows["tutorial_tests.timeout"] == ("seconds", f"`{literate.settings.DEFAULT_TIMEOUT}`")
    assert rows["generator_pages"] == ("`true` or `false`", "`false`")


def test_a_setting_without_its_meaning_stops_the_build():
    class Grown(literate.settings.LiterateConfig):
        colour = mkdocs_options.Type(str, default="blue")

    with pytest.raises(literate.read.BuildError, match=r"settings\.py: the setting colour has no line in MEANINGS"):
        literate.settings.settings_reference(Grown)


def test_a_meaning_without_its_setting_stops_the_build():
    meanings = {**literate.settings.MEANINGS, "tutorial_tests.retries": "How often a test is tried again."}
    with pytest.raises(literate.read.BuildError, match=r"describes settings that do not exist: tutorial_tests\.retries"):
        literate.settings.settings_reference(meanings=meanings)


def test_the_configuration_page_is_the_reference():
    page = literate.write.render_settings_reference("en")
    for name, kind, default, meaning in literate.settings.settings_reference():
        assert f"| `{name}` | {kind} | {default} | {meaning} |" in page
