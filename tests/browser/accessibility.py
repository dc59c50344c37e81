"""The accessibility check every page and popup passes: axe finds nothing serious."""

from axe_playwright_python.sync_playwright import Axe


def assert_accessible(page, schemes=()):
    """axe finds no serious or critical problem on `page`: as it is shown, or in each
    colour scheme of `schemes` (the page is left in the last one)."""
    for scheme in schemes or (None,):
        if scheme is not None:
            page.emulate_media(color_scheme=scheme)
        results = Axe().run(page)
        serious = [v for v in results.response["violations"]
                   if v["impact"] in ("serious", "critical")]
        assert serious == [], (scheme, results.generate_report())
