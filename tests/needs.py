"""What some tests need from outside the repository.

A newcomer's clone has no Chromium, or no `shared/` folder beside it: there
the tests that need them are skipped, with the reason. CI (`CI` set) has
everything, so there a missing piece fails them instead.
"""

import os

import pytest


def unavailable(reason):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: this test must run)")
    pytest.skip(reason)
