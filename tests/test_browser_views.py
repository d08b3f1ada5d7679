"""The per-view checks of `test_browser.py` on a pass of their own, over
the views that file's pass leaves out: the same checks, page by page, in
a file of its own so that pytest-xdist gives this pass a worker of its own.
"""

import pytest

from test_browser import (  # noqa: F401  (the checks, and the fixtures and hook they need, collected here)
    pytest_generate_tests, sources, test_axe_finds_no_serious_violation, test_desktop_commentary_beside_its_code,
    test_every_formula_is_drawn_and_no_tex_is_visible, test_math_is_drawn_in_the_served_math_font_only_on_pages_with_math,
    test_offline_no_request_leaves_the_machine_and_nothing_fails, test_phone_commentary_above_its_code,
    test_text_is_readable_in_every_view, test_the_pass_visits_every_page_of_the_site,
    test_the_reader_screenshots_are_in_the_artifacts, visits)

pytestmark = pytest.mark.browser

PASS_VIEWS = ("light-phone", "dark-desktop")
