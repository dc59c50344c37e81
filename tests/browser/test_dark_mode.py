"""Dark mode: with the system set to dark, every dashboard page, the popup, the options page and
the HTML report turn dark, their text keeps its contrast (axe) and the charts' words follow."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from support import candor, start_server

from conftest import ExtensionBrowser

PAGES = ["/", "/review", "/sessions", "/settings", "/connect", "/journals", "SESSION"]


def luminance(page, script):
    """The relative luminance (0 black, 1 white) of the CSS colour `script` gives in the page."""
    return page.evaluate("""(script) => {
      const [r, g, b] = eval(script).match(/[\\d.]+/g).slice(0, 3).map(Number)
        .map((c) => c / 255).map((c) => c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    }""", script)


# The page's background: the root's, or the body's where the root has none (the extension's).
BACKGROUND = """(() => {
  const root = getComputedStyle(document.documentElement).backgroundColor;
  return root === "rgba(0, 0, 0, 0)" ? getComputedStyle(document.body).backgroundColor : root;
})()"""
TEXT = "getComputedStyle(document.body).color"


def contrast_problems(page):
    """axe's serious and critical findings, colour contrast among them."""
    results = Axe().run(page)
    found = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    return found, results


def check_dark(page, where):
    assert luminance(page, BACKGROUND) < 0.05, f"{where}: the background is not dark"
    assert luminance(page, TEXT) > 0.6, f"{where}: the text is not light"
    found, results = contrast_problems(page)
    assert found == [], f"{where}: {results.generate_report()}"


def dark_pages(page, server):
    page.emulate_media(color_scheme="dark")
    page.goto(server.login_link())
    for path in PAGES:
        if path == "SESSION":
            page.goto(f"{server.url}/sessions")
            first = page.locator("li.session a").first
            if not first.count():
                continue
            path = first.get_attribute("href")
        page.goto(f"{server.url}{path}")
        expect(page.locator("h1")).to_be_visible()
        check_dark(page, path)


def test_every_dashboard_page_of_the_demo_journal_is_dark_and_readable(demo, page):
    dark_pages(page, demo)
    page.goto(f"{demo.url}/")
    # The charts' words and grid take the page's colours: light text on the dark card.
    for cls in ("chart-ink", "chart-muted"):
        text = page.locator(f".chart-wide svg.chart-drawing text.{cls}").first
        assert text.evaluate("e => getComputedStyle(e).fill") != "rgb(29, 36, 51)"
        assert luminance(page, f"getComputedStyle(document.querySelector("
                               f"'.chart-wide svg.chart-drawing text.{cls}')).fill") > 0.3
    # The tags' colours are lighter on the dark card, the bars and the ratio's line alike.
    real = page.locator(".chart-wide svg.chart-drawing rect.chart-real").first
    assert real.evaluate("e => getComputedStyle(e).fill") == "rgb(47, 154, 127)"
    line = page.locator(".chart-wide svg.chart-drawing polyline.chart-real").first
    assert line.evaluate("e => getComputedStyle(e).stroke") == "rgb(47, 154, 127)"
    # Light mode is as it was: a light page, dark ink in the charts.
    page.emulate_media(color_scheme="light")
    assert luminance(page, BACKGROUND) > 0.8
    assert page.locator(".chart-wide svg.chart-drawing text.chart-ink").first.evaluate(
        "e => getComputedStyle(e).fill") == "rgb(29, 36, 51)"


def test_a_new_journals_pages_are_dark_and_readable(tmp_path, page):
    server = start_server(tmp_path / "fresh")
    try:
        dark_pages(page, server)
    finally:
        server.kill(sig=15)


def test_the_html_report_is_dark_on_a_dark_screen(demo, page, tmp_path):
    report = tmp_path / "report.html"
    candor("export", "--format", "html", "-o", str(report), data_dir=demo.data_dir, tz="UTC")
    page.emulate_media(color_scheme="dark")
    page.goto(report.as_uri())
    check_dark(page, "the report")
    page.emulate_media(color_scheme="dark", media="print")  # paper stays white
    assert luminance(page, BACKGROUND) > 0.8


@pytest.mark.parametrize("path", ["popup/popup.html", "options/options.html"])
def test_the_popup_and_options_page_are_dark(playwright_instance, tmp_path, demo, path):
    browser = ExtensionBrowser(playwright_instance, tmp_path / "profile")
    try:
        browser.settings(serverUrl=demo.url, token=demo.token)
        extension_page = browser.ctx.new_page()
        extension_page.emulate_media(color_scheme="dark")
        extension_page.goto(browser.url(path))
        expect(extension_page.locator("h1")).to_be_visible()
        if path.startswith("popup"):
            expect(extension_page.locator("#sync-text")).not_to_be_empty()
        check_dark(extension_page, path)
    finally:
        browser.close()
