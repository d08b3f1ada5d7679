"""The plugin as MkDocs loads it, by its entry point, from the name in mkdocs.yml.

MkDocs keeps the one plugin object across the builds of a preview
(`on_startup`), and `mkdocs serve --clean` leaves MkDocs' builder and
watches the source folder and the theme's folder. `mkdocs build` and
`mkdocs serve` themselves run in tests/test_any_repository.py.
"""

import pytest
from mkdocs.config import load_config

import literate.mkdocs_plugin

pytestmark = pytest.mark.quick


def settings(tmp_path, lines=""):
    for folder in ("source", "theme"):
        (tmp_path / folder).mkdir(exist_ok=True)
    path = tmp_path / "mkdocs.yml"
    path.write_text(f"site_name: A series\ndocs_dir: source\n{lines}plugins: [search, literate]\n", encoding="utf-8")
    return load_config(str(path))


def test_mkdocs_finds_the_plugin_by_its_name(tmp_path):
    plugin = settings(tmp_path).plugins["literate"]
    assert type(plugin) is literate.mkdocs_plugin.Plugin
    assert plugin.config.tutorial_tests.timeout == 120


def test_one_plugin_object_for_every_build_of_a_preview(tmp_path):
    first, again = settings(tmp_path), settings(tmp_path)
    assert first.plugins["literate"] is again.plugins["literate"]


class Server:
    def __init__(self):
        self.watched = []
        self.builder = "MkDocs' builder"

    def watch(self, path):
        self.watched.append(path)


# `mkdocs serve --clean` starts the plugin for a build: MkDocs' own builder
# builds the whole site on each change, as the flag asks
# (tests/test_any_repository.py runs the preview of `mkdocs serve`).
def test_a_clean_preview_watches_the_sources_and_the_theme_folder(tmp_path):
    config = settings(tmp_path, "theme: {name: material, custom_dir: theme}\n")
    plugin = config.plugins["literate"]
    plugin.on_startup(command="build", dirty=False)
    plugin.source_dir = tmp_path / "source"
    try:
        server = plugin.on_serve(Server(), config=config, builder=None)
    finally:
        plugin.on_shutdown()
    assert server.watched == [str(tmp_path / "source"), str(tmp_path / "theme")]
    assert server.builder == "MkDocs' builder"
