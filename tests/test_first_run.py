"""A new journal's pages say what to do first, instead of empty figures."""

import re
import time

from support import NAVIGATE, batch, event, log_in

from candor import security


def text_of(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_a_new_journals_overview_says_how_to_start(dashboard):
    page = text_of(dashboard.get("/", headers=NAVIGATE))
    assert "Your journal is empty" in page
    assert "Connect the extension" in page and "No extension is paired" in page
    assert "Switch them on in Settings" in page
    assert "candor serve --demo" in page
    assert "0 s" not in page and "—" not in page
    html = dashboard.get("/", headers=NAVIGATE).get_data(as_text=True)
    assert 'href="/settings#agents-h"' in html
    assert 'id="agents-h"' in dashboard.get("/settings", headers=NAVIGATE).get_data(as_text=True)


def test_a_new_journals_review_page_says_how_to_start(dashboard):
    page = text_of(dashboard.get("/review", headers=NAVIGATE))
    assert "Your journal is empty" in page and "Connect the extension" in page
    assert "Well done" not in page


def test_connect_stays_in_the_menu_until_an_extension_is_paired(dashboard, client):
    nav = 'href="/connect" class="connect"'
    for path in ("/", "/review", "/settings"):
        assert nav in dashboard.get(path, headers=NAVIGATE).get_data(as_text=True), path
    client.post("/api/v1/events", json=batch(event(type="activity", active_ms=60_000)))
    page = dashboard.get("/", headers=NAVIGATE).get_data(as_text=True)
    assert nav not in page
    assert "Your journal is empty" not in page and "value ratio" in page
    # Tagged or not, a journal with sessions says "Nothing to review" when nothing waits.
    assert "Your journal is empty" not in text_of(
        dashboard.get("/review?signal=burst", headers=NAVIGATE))


def test_a_paired_extension_that_sent_nothing_yet_is_shown_as_paired(app, dashboard, anonymous):
    code = dashboard.post("/api/v1/pairing/code", json={}).json["code"]
    firefox = {"Origin": "moz-extension://0f1e2d3c-aaaa-bbbb-cccc-123456789abc"}
    anonymous.post("/api/v1/pairing", headers=firefox,
                   json={"code": code, "client": {"id": "x", "browser": "firefox"}})
    page = text_of(dashboard.get("/", headers=NAVIGATE))
    assert "Paired Firefox extension: nothing synced yet." in page
    assert 'class="connect"' not in dashboard.get("/", headers=NAVIGATE).get_data(as_text=True)
    # Rotating the token (once the clock has moved on) unpairs it: Connect comes back.
    made = time.time()
    while time.time() <= made + 0.002:
        time.sleep(0.001)
    token = security.rotate_token(app.config["DATA_DIR"])
    listed = anonymous.get("/api/v1/clients", headers={"Authorization": f"Bearer {token}"})
    assert listed.json["paired"] is False
    log_in(dashboard, app.config["DATA_DIR"])  # the rotation logged every browser out
    page = dashboard.get("/settings", headers=NAVIGATE)
    assert "Firefox extension: not paired" in text_of(page)
    assert 'class="connect"' in page.get_data(as_text=True)


def test_the_connect_page_names_its_own_address(dashboard):
    page = text_of(dashboard.get("/connect", headers=NAVIGATE))
    assert "Pair with Candor at 127.0.0.1:5765?" in page
