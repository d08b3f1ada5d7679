"""
# Console: what a command tells the person who runs it

A build says what it did a line at a time: a tutorial's verdict, a page
that could not be made. On a terminal, the long steps (rendering the
pages, running the tutorials' tests) also show how far they are, with
counts.

In: the lines the stages say, and the steps they take. Out: the lines on
standard output, unless the command is quiet; a progress bar per long
step on a terminal, and nothing but the lines elsewhere (a log, a pipe,
CI); or, in a preview, the lines kept, for the one line it prints per
rebuild (see "Serve"). Warnings and errors are not said here: they go to
standard error, quiet or not.
"""

import sys
import threading
from contextlib import contextmanager


# One console per command, made by the command line (or by the MkDocs
# plugin, which prints every line). The bar is drawn by tqdm, which keeps
# a line printed while it runs above the bar rather than through it.
class Console:
    def __init__(self, quiet=False, terminal=None, keep=False):
        self.quiet = quiet
        self.terminal = sys.stdout.isatty() if terminal is None else terminal
        self.kept = [] if keep else None
        self.bar = None
        self.lock = threading.Lock()  # a preview's tests end in threads of their own

    def say(self, line):
        with self.lock:
            if self.kept is not None:
                self.kept.append(line)
            elif self.quiet:
                pass
            elif self.bar is not None:
                self.bar.write(line, file=sys.stdout)
            else:
                print(line, flush=True)

    def take(self):
        """The lines kept since the last call, in the order they were said."""
        with self.lock:
            lines = self.kept or []
            if self.kept is not None:
                self.kept = []
        return lines

    # `advance()` once a step is done. Only a terminal gets a bar, and only
    # for more than one step: anywhere else it would be noise in a log.
    @contextmanager
    def steps(self, what, total):
        if not self.terminal or self.quiet or self.kept is not None or total < 2:
            yield lambda: None
            return
        from tqdm import tqdm

        with tqdm(total=total, desc=what, file=sys.stdout, leave=False, dynamic_ncols=True,
                  bar_format="{desc}: {n}/{total} {bar} {elapsed}") as bar:
            self.bar = bar
            try:
                yield bar.update
            finally:
                self.bar = None
