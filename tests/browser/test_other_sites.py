"""The adapters of the other AI sites, on pages built from their described markup (kits.json).

These sites' markup comes from public descriptions, not from the live sites, so these
tests check that each adapter works as designed on that markup: prompt, finished
response, copy button, model, and a new chat's first URL change kept as one session.
"""

import json

import pytest
from test_capture import by_type

from conftest import SITES

KITS = {
    name: kit
    for name, kit in json.loads((SITES / "kits.json").read_text()).items()
    if not name.startswith("_")
}


def serve_kit(browser, name):
    kit = {**KITS[name], "name": name}
    html = (
        (SITES / "chat-kit.html")
        .read_text()
        .replace("<head>", f"<head><script>window.KIT = {json.dumps(kit)};</script>", 1)
    )
    for pattern in kit["hosts"]:
        browser.ctx.route(
            pattern, lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8")
        )
    page = browser.ctx.new_page()
    page.goto(kit["start"])
    return page


@pytest.mark.parametrize("name", sorted(KITS))
def test_each_site_adapter_counts_a_prompt_its_answer_and_a_copy(browser, name):
    page = serve_kit(browser, name)
    prompt = f"How do I parse a CSV file on {name}?"
    page.click('[data-kit="composer"]')
    page.keyboard.type(prompt)
    page.click('[data-kit="send"]')
    page.wait_for_selector('body[data-streamed="1"]')
    answer = page.locator('[data-kit="slot"]').last.text_content()
    events = browser.wait_for_events(
        lambda ev: by_type(ev, "response"), timeout=8, what=f"{name} response"
    )
    page.locator('[data-kit="copy"]').last.click()
    events = browser.wait_for_events(lambda ev: by_type(ev, "copy"), timeout=5, what=f"{name} copy")

    [prompt_event] = by_type(events, "prompt")
    [response] = by_type(events, "response")
    [copy] = by_type(events, "copy")
    assert prompt_event["prompt_chars"] == len(prompt)
    assert response["response_chars"] == len(answer)
    assert copy["response_chars"] == len(answer)
    assert {e["site"] for e in events} == {name}
    assert len({e["session_id"] for e in events}) == 1, (
        "the new chat's first URL change is the same session"
    )
    if KITS[name].get("model"):
        assert response["model"] == KITS[name]["model"]
    assert [h["status"] for h in browser.health()[name].values()] == ["ok"]
