"""A new journal's pages in a real browser: what to do first, readable, accessible, narrow."""

import pytest
from accessibility import assert_accessible
from playwright.sync_api import expect


@pytest.mark.parametrize("path", ["/", "/review", "/connect"])
def test_a_new_journals_pages_say_how_to_start(live_server, page, path, shots_dir):
    page.goto(live_server.login_link())
    page.goto(f"{live_server.url}{path}")
    expect(page.locator("nav a.connect")).to_have_text("Connect")
    if path == "/connect":
        expect(page.locator("#extensions")).to_contain_text("No extension has paired")
    else:
        card = page.locator("section.first-run")
        expect(card).to_contain_text("Your journal is empty")
        expect(card.get_by_role("link", name="Connect the extension")).to_have_attribute(
            "href", "/connect")
        expect(card.get_by_role("link", name="Switch them on in Settings")).to_be_visible()
        expect(card).to_contain_text("candor serve --demo")
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    name = path.strip("/") or "overview"
    page.screenshot(path=str(shots_dir / f"first-run-{name}-390.png"), full_page=True)
