"""Pairing the real extension with Candor on whatever port it runs, confirmed in the popup."""

import requests
from playwright.sync_api import expect
from test_sync import by_type, have_a_session, stored_event_ids, wait_until_synced

from conftest import open_fixture

EXTENSION_ORIGIN = {"Origin": "chrome-extension://abcdefghijklmnopabcdefghijklmnop"}


def open_connect_page(browser, server):
    """The dashboard's Connect page, in a browser logged in with a `candor open` link."""
    page = browser.ctx.new_page()
    page.goto(server.login_link())
    page.goto(f"{server.url}/connect")
    return page


def open_popup(browser, width=340):
    popup = browser.ctx.new_page()
    popup.set_viewport_size({"width": width, "height": 600})
    popup.goto(browser.url("popup/popup.html"))
    return popup


def stored_token(browser):
    """The token the extension keeps ("" when it never stored settings or has none)."""
    return browser.storage().get("settings", {}).get("token", "")


def clients(server):
    return requests.get(f"{server.url}/api/v1/clients", headers=server.headers(), timeout=5).json()


def test_the_extension_pairs_with_candor_on_another_port_once_confirmed_in_its_popup(
        browser, live_server, shots_dir):
    assert live_server.port != 5765
    assert browser.storage().get("settings") is None, "a fresh install, never paired"
    page = open_connect_page(browser, live_server)
    page.wait_for_selector('html[data-candor-pairing="confirm"]', state="attached")
    expect(page.locator("#pairing-status")).to_contain_text(
        f"confirm “Pair with Candor at 127.0.0.1:{live_server.port}?”")

    popup = open_popup(browser)
    expect(popup.locator("#pair-ask")).to_be_visible()
    question = popup.inner_text("#pair-ask-title")
    assert question == f"Pair with Candor at 127.0.0.1:{live_server.port}?"
    assert popup.is_checked("#pair-ask-titles"), "titles are kept unless the person says no"
    popup.screenshot(path=str(shots_dir / "popup-pair-ask.png"), full_page=True)
    popup.click("#pair-ask-yes")

    page.wait_for_selector('html[data-candor-pairing="paired"]', state="attached")
    expect(page.locator("#pairing-status")).to_contain_text("Connected")
    expect(popup.locator("#pair-ask")).to_be_hidden()
    settings = browser.storage()["settings"]
    assert (settings["serverUrl"], settings["token"], settings["sendTitle"]) == (
        live_server.url, live_server.token, True)
    assert live_server.token not in page.content()
    [paired] = clients(live_server)["clients"]
    assert (paired["browser"], paired["paired"], paired["last_sync"]) == ("chrome", True, None)

    # It syncs to that port: a session arrives with its title, and the dashboard says when.
    chat = open_fixture(browser, "https://chatgpt.com/")
    have_a_session(chat, "Outline the quarterly plan")
    browser.wait_for_events(lambda ev: by_type(ev, "copy"), what="copy")
    chat.close()
    wait_until_synced(browser)
    [session] = requests.get(f"{live_server.url}/api/v1/sessions", headers=live_server.headers(),
                             timeout=5).json()["sessions"]
    assert session["title"] == "ChatGPT"
    listed = clients(live_server)
    assert listed["paired"] is True
    [seen] = listed["clients"]
    assert (seen["browser"], seen["waiting"]) == ("chrome", 0)
    assert seen["last_sync"] is not None
    settings_page = browser.ctx.new_page()
    settings_page.goto(f"{live_server.url}/settings")
    expect(settings_page.locator("ul.extensions")).to_contain_text("Chrome extension")
    expect(settings_page.locator("ul.extensions")).to_contain_text("nothing waiting")
    assert settings_page.locator("nav a.connect").count() == 0, "paired: Connect leaves the menu"


def test_a_port_nobody_confirmed_gets_no_code_no_token_and_no_events(browser, live_server):
    # Events wait in the queue, and a Connect page on an address never confirmed asks to pair.
    chat = open_fixture(browser, "https://chatgpt.com/")
    have_a_session(chat, "A question before pairing")
    queued = browser.wait_for_events(lambda ev: by_type(ev, "copy"), what="copy")
    popup = open_popup(browser)  # open already: the question shows up in it
    expect(popup.locator("#sync-text")).to_have_text("Not paired")
    expect(popup.locator("#pair-ask")).to_be_hidden()
    page = open_connect_page(browser, live_server)
    code = page.get_attribute('meta[name="candor-pairing-code"]', "content")
    expect(popup.locator("#pair-ask-title")).to_have_text(
        f"Pair with Candor at 127.0.0.1:{live_server.port}?")

    # The question is showing and nobody answered it: the server saw nothing of the extension.
    assert clients(live_server) == {"paired": False, "clients": []}
    assert stored_event_ids(live_server.data_dir) == []
    assert stored_token(browser) == ""
    assert len(browser.queued_events()) >= len(queued)
    # Nor was the page's code traded: it still works, once.
    traded = requests.post(f"{live_server.url}/api/v1/pairing", json={"code": code},
                           headers=EXTENSION_ORIGIN, timeout=5)
    assert traded.status_code == 200

    popup.click("#pair-ask-no")
    page.wait_for_selector('html[data-candor-pairing="declined"]', state="attached")
    expect(page.locator("#pairing-status")).to_contain_text("declined")
    assert clients(live_server)["clients"] == []
    assert stored_token(browser) == ""


def test_a_used_code_on_the_paired_server_is_refused(browser, live_server):
    # Paired before (a token since rotated): its own Connect page pairs again without asking.
    browser.settings(serverUrl=live_server.url, token="a-token-since-rotated")
    page = open_connect_page(browser, live_server)
    page.wait_for_selector('html[data-candor-pairing="paired"]', state="attached")
    assert browser.storage()["settings"]["token"] == live_server.token
    code = page.get_attribute('meta[name="candor-pairing-code"]', "content")
    browser.settings(token="a-token-since-rotated")

    # The same code again, on the server's own connect page: single use, so refused.
    replay = browser.ctx.new_page()
    replay.route(
        f"{live_server.url}/connect",
        lambda route: route.fulfill(
            body=f'<meta name="candor-pairing-code" content="{code}">', content_type="text/html"
        ),
    )
    replay.goto(f"{live_server.url}/connect")
    replay.wait_for_selector('html[data-candor-pairing="refused"]', state="attached")
    assert browser.storage()["settings"]["token"] == "a-token-since-rotated"


def test_a_connect_page_on_another_port_asks_and_leaves_the_pairing_as_it_is(browser, live_server):
    browser.settings(serverUrl=live_server.url, token=live_server.token)
    page = browser.ctx.new_page()
    page.route("http://127.0.0.1:1/connect", lambda route: route.fulfill(
        body='<meta name="candor-pairing-code" content="another-code">', content_type="text/html"))
    page.goto("http://127.0.0.1:1/connect")
    page.wait_for_selector('html[data-candor-pairing="confirm"]', state="attached")
    popup = open_popup(browser)
    expect(popup.locator("#pair-ask-title")).to_have_text("Pair with Candor at 127.0.0.1:1?")
    settings = browser.storage()["settings"]
    assert (settings["serverUrl"], settings["token"]) == (live_server.url, live_server.token)
