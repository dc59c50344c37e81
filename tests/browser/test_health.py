"""Adapter health: when a known site's markup changes, Candor still counts (generic) and says so."""

from playwright.sync_api import expect
from test_capture import by_type

from conftest import open_fixture


def test_a_redesigned_site_falls_back_to_the_generic_reader_and_the_popup_says_so(
    browser, shots_dir
):
    # The fixture's composer gets an id the ChatGPT adapter does not know: a "redesign".
    page = open_fixture(browser, "https://chatgpt.com/", composerId="composer-v2")
    page.wait_for_selector("div#composer-v2")
    health = browser.wait_for_health("chatgpt", timeout=15)
    assert health["status"] == "fallback"

    prompt = "A question asked after the redesign"
    page.click("div#composer-v2")
    page.keyboard.type(prompt)
    page.click('[data-testid="send-button"]')
    page.wait_for_selector('body[data-streamed="1"]')
    answer = page.inner_text('[data-message-author-role="assistant"] .markdown')
    events = browser.wait_for_events(
        lambda ev: by_type(ev, "response"), timeout=10, what="response"
    )
    [prompt_event] = by_type(events, "prompt")
    [response] = by_type(events, "response")
    assert prompt_event["prompt_chars"] == len(prompt)
    assert prompt_event["site"] == "chatgpt", "still recorded as ChatGPT"
    # The generic reader measures text that appeared on the page: close to the answer's length.
    assert abs(response["response_chars"] - len(answer)) <= 10

    popup = browser.ctx.new_page()
    popup.set_viewport_size({"width": 340, "height": 600})
    popup.goto(browser.url("popup/popup.html"))
    expect(popup.locator("#health-warning")).to_contain_text(
        "ChatGPT's page changed: Candor is counting with its general reader in another tab."
    )
    popup.screenshot(path=str(shots_dir / "popup-fallback.png"), full_page=True)
