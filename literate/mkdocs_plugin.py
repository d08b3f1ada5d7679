"""
# The plugin as MkDocs loads it: `mkdocs build`, `mkdocs serve`, `mkdocs gh-deploy`

A repository switches the generator on with one line of `mkdocs.yml`
(`plugins: [search, literate]`), and MkDocs' own commands then build its
tutorials into a site, as `literate build` does.

In: MkDocs' settings, with the plugin's (see "Settings"), and the command
MkDocs runs. Out: for MkDocs' commands, the pages made from the source
folder (tests run, pages rendered, as "Build" makes them) in a folder that
MkDocs reads as its `docs_dir` for the length of one build; in
`mkdocs serve`, MkDocs' builds kept by the preview of `literate serve`
(see "Serve"), which builds each change after the first: only what
changed, the edited tutorial's tests in the background, the source folder
and the theme's `custom_dir` watched. When `literate` or
`build_docs.py` runs MkDocs, they have made the pages already, and this
adds nothing to what the plugin's events do (see "The MkDocs plugin").
"""

import shutil
import signal
import tempfile
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

from literate.read import BuildError
from literate.settings import cache_folder, quiet_jieba, search_dictionary_beside_settings, source_folder
from literate.write import write_files
from literate.plugin import LiteratePlugin, load_search_dictionary
from literate.judge import TutorialTestOptions
from literate.record import mkdocs_setup_digest
from literate.build import make_pages
from literate.serve import Preview, watched_paths


class Plugin(LiteratePlugin):
    """The plugin `literate`, under MkDocs' entry point `mkdocs.plugins`."""

    def __init__(self):
        super().__init__()
        self.command = None  # MkDocs' command; None when `literate` runs MkDocs with the pages it made
        self.pages_dir = None  # the folder of the pages, while MkDocs builds them
        self.preview = None  # `serve.Preview`, in `mkdocs serve`
        self.made = None  # in `mkdocs serve`: (setup, files, inputs) of the build under way, for the preview to keep

    # Defining it keeps this one plugin object, with the command it was
    # started for, across the builds of one `mkdocs serve`, each of which
    # loads the settings again. MkDocs calls it for its own commands only.
    def on_startup(self, command, dirty):
        self.command, self.dirty = command, dirty

    # MkDocs keeps the object for every later load of settings in this
    # process too: another site built there by `literate` makes its pages
    # itself.
    def on_shutdown(self):
        self.command, self.dirty = None, False
        if self.preview is not None:
            self.preview.stop()
            shutil.rmtree(self.preview.folder, ignore_errors=True)
            self.preview = None

    # Before any other plugin reads the settings: mkdocs-static-i18n reads
    # the navigation of each language that `make_pages` sets, and Material's
    # search its dictionary's path. A language that mkdocs-static-i18n
    # builds after the first runs this again, with the pages made. In
    # `mkdocs serve` the pages go where the preview keeps them, and the
    # preview keeps the build (`on_post_build`): it builds each edit into it.
    @event_priority(100)
    def on_config(self, config):
        config = super().on_config(config)
        if self.command is None or self.pages_dir is not None:
            return config
        quiet_jieba()
        search_dictionary_beside_settings(config)
        self.prepare(cache_folder(config), processes=self.command != "serve")
        self.source_dir = source_folder(config)
        testing = TutorialTestOptions(cache_dir=cache_folder(config))
        # MkDocs' first build of a preview already runs the tests in the
        # background, and the preview then builds the verdicts in.
        if self.command == "serve":
            if self.preview is None:
                self.preview = Preview(tempfile.mkdtemp(prefix="literate-serve-"), testing)
            testing = self.preview.testing
        try:
            files = make_pages(self.source_dir, config, testing, preview=self.command == "serve",
                               meanwhile=lambda texts: load_search_dictionary(config, texts)).files
        except BuildError as error:
            raise PluginError(str(error)) from None
        if self.preview is not None:
            setup = mkdocs_setup_digest(config)
            self.made = (setup, files, self.preview.site.inputs_of(setup))
            self.preview.site.take_pages(config, files)
            self.pages_dir = config["docs_dir"]
        else:
            self.pages_dir = tempfile.mkdtemp(prefix="literate-pages-")
            write_files(self.files_on_disk(files, config), self.pages_dir)
            config["docs_dir"] = self.pages_dir
        return config

    # Once every language is built, the pages go (in `mkdocs serve` the
    # preview keeps them, with the build), and MkDocs' `docs_dir` is the
    # source folder again: that is the folder `mkdocs serve` watches.
    @event_priority(-200)
    def on_post_build(self, config):
        super().on_post_build(config)
        i18n = config.plugins.get("i18n")
        if self.pages_dir is not None and (i18n is None or not i18n.building):
            if self.made is not None:
                setup, files, inputs = self.made
                self.preview.site.keep(config, setup, files, inputs, config.site_dir)
            self.forget_pages(config)

    def on_build_error(self, error):
        super().on_build_error(error)
        self.drop_pages()

    def forget_pages(self, config):
        self.drop_pages()
        config["docs_dir"] = str(self.source_dir)

    # The preview's pages stay: it builds its edits from them.
    def drop_pages(self):
        if self.pages_dir is not None and self.made is None:
            shutil.rmtree(self.pages_dir, ignore_errors=True)
        self.pages_dir = self.made = None

    # MkDocs watches `docs_dir`, the source folder when no setting names
    # another, and `mkdocs.yml`; the theme's `custom_dir` too, which holds
    # what the site's pages are made of. `mkdocs serve --clean` builds the
    # whole site on each change, as its flag asks.
    #
    # Otherwise the preview is `build_docs.py serve`'s (see "Serve"): MkDocs'
    # first build is the one it kept, and each change is built by
    # `Preview.rebuild`, which builds only what changed into the site MkDocs
    # serves, with the edited tutorial's tests in the background. It takes
    # the server's place of MkDocs' builder (`server.builder`, which the
    # server calls on each change), sets how long a change settles
    # (`server.build_delay`), watches what the preview watches
    # (`server.watch`, the plugins' API) and builds into the folder the
    # server serves (`server.root`). It makes the pages from `mkdocs.yml`,
    # read on each build, with the address MkDocs serves at as `site_url`;
    # it builds them into the site with the settings MkDocs built it with,
    # and leaves a whole build to MkDocs' builder, which reads the settings
    # as MkDocs' command line says.
    def on_serve(self, server, config, builder):
        if self.preview is None:
            for folder in (self.source_dir, config.theme.custom_dir):
                if folder:
                    server.watch(str(folder))
            return server
        config_file, site_dir = Path(config.config_file_path).resolve(), Path(server.root)
        overrides = {"site_url": config.site_url}
        self.preview.site.whole_build = builder

        def rebuild():
            return self.preview.rebuild(None, site_dir, config_file, overrides)

        # Stopped by a signal, the preview ends as on Ctrl-C, as `serve`'s
        # does: MkDocs then stops its tests and removes the temporary sites.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        self.preview.watch(server, watched_paths(config, self.source_dir, config_file))
        server.builder = rebuild
        return server
