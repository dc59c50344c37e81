"""Adapters on markup as the real sites had it in 2026 (tests/fixtures/sites/): decoys
before the live composer, nested answer wrappers, re-renders, copy buttons inside
answers, virtual lists that reuse elements, share pages; and health that tells when an
adapter stops seeing prompts, per site and per tab."""

from playwright.sync_api import expect
from test_capture import by_type

from conftest import open_fixture


def streamed(page, count):
    page.wait_for_selector(f'body[data-streamed="{count}"]')


def popup_shots(browser, shots_dir, name):
    """The popup as a person sees it, narrow and wide; returns the page for assertions."""
    popup = browser.ctx.new_page()
    popup.goto(browser.url("popup/popup.html"))
    for width in (390, 1280):
        popup.set_viewport_size({"width": width, "height": 700})
        popup.screenshot(path=str(shots_dir / f"{name}-{width}.png"), full_page=True)
    return popup


def test_claude_prompts_are_read_from_the_live_editor_not_the_inert_server_rendered_one(browser):
    # The page keeps the SSR textarea, inert and invisible, before the live editor.
    page = open_fixture(browser, "https://claude.ai/new")
    page.wait_for_selector('[data-testid="chat-input"]')
    browser.wait_for_health("claude")  # the content script watches the page
    assert page.locator('[inert] textarea[data-testid="chat-input-ssr"]').count() == 1
    first = "Sent with the Enter key"
    page.click('[data-testid="chat-input"]')
    page.keyboard.type(first)
    page.keyboard.press("Enter")
    streamed(page, 1)
    second = "Sent with the send button, a little longer"
    page.click('[data-testid="chat-input"]')
    page.keyboard.type(second)
    page.click('button[aria-label="Send message"]')
    streamed(page, 2)

    events = browser.wait_for_events(
        lambda ev: len(by_type(ev, "response")) == 2, what="two responses"
    )
    assert [e["prompt_chars"] for e in by_type(events, "prompt")] == [len(first), len(second)]
    assert browser.wait_for_health("claude")["status"] == "ok"


def test_prompts_that_never_register_turn_health_degraded_and_the_popup_names_the_site(
    browser, shots_dir
):
    # A redesign renames the send button: the composer is still there, clicks go unseen.
    page = open_fixture(browser, "https://claude.ai/new", sendLabel="Submit")
    page.wait_for_selector('[data-testid="chat-input"]')
    assert browser.wait_for_health("claude")["status"] == "ok", "the composer is present"
    for n in range(1, 4):
        page.click('[data-testid="chat-input"]')
        page.keyboard.type(f"Question number {n}")
        page.click('button[aria-label="Submit"]')
        streamed(page, n)

    health = browser.wait_for_health("claude", status="degraded")
    assert health["reason"] == "3 prompts sent were not seen"
    assert not by_type(browser.queued_events(), "prompt")

    popup = popup_shots(browser, shots_dir, "popup-degraded")
    expect(popup.locator("#health-warning")).to_have_text(
        "Claude: counting may be incomplete in another tab: 3 prompts sent were not seen."
    )


def test_gemini_counts_each_answer_once_through_nested_wrappers_and_re_renders(browser):
    # Each prompt makes the page render the earlier answers again (new elements, same ids).
    page = open_fixture(browser, "https://gemini.google.com/app", rerender=True)
    page.wait_for_selector("body[data-ready]")
    browser.wait_for_health("gemini", status="ok")  # the content script watches the page
    lengths = []
    for n in range(1, 4):
        page.click("rich-textarea .ql-editor")
        page.keyboard.type(f"Gemini question {n}")
        page.keyboard.press("Enter")
        streamed(page, n)
        lengths.append(len(page.locator("message-content").last.text_content()))
        browser.wait_for_events(
            lambda ev, n=n: len(by_type(ev, "response")) >= n, what=f"response {n}"
        )
    answer = page.locator("message-content").last.text_content()
    # A later action that counts: anything the answers could still add is queued before it.
    page.locator('[data-test-id="copy-button"]').last.click()
    events = browser.wait_for_events(lambda ev: by_type(ev, "copy"), what="copy")

    responses = by_type(events, "response")
    assert len(by_type(events, "prompt")) == 3
    # Each answer once, and no earlier answer counted again in a later one's place.
    assert [r["response_chars"] for r in responses] == lengths
    assert by_type(events, "copy")[0]["response_chars"] == len(answer)
    # The picker shows a mode ("Fast"), which names no model.
    assert all("model" not in e for e in events)
    assert len({e["session_id"] for e in events}) == 1


def test_a_gemini_share_page_is_neither_a_session_nor_an_alarm(browser):
    page = open_fixture(browser, "https://gemini.google.com/share/5ha4e")
    page.wait_for_selector("share-turn-viewer message-content")
    # The tab's verdict is the sign Candor has looked at the page (no composer: no alarm).
    assert browser.wait_for_health("gemini")["status"] == "read-only"
    # Then the same tab opens a chat, which is tracked.
    page.goto("https://gemini.google.com/app")
    page.wait_for_selector("body[data-ready]")
    page.click("rich-textarea .ql-editor")
    page.keyboard.type("A question after reading a shared chat")
    page.keyboard.press("Enter")
    streamed(page, 1)
    events = browser.wait_for_events(lambda ev: by_type(ev, "response"), what="response")

    assert not [e for e in events if "/share/" in e.get("url", "")], "nothing from the share page"
    assert len({e["session_id"] for e in events}) == 1
    assert [h["status"] for h in browser.health()["gemini"].values()] == ["ok"]


def test_copilot_copy_button_inside_the_answer_counts_a_copy(browser):
    page = open_fixture(browser, "https://copilot.microsoft.com/")
    browser.wait_for_health("copilot", status="ok")  # the content script watches the page
    prompt = "How do I parse a CSV file on Copilot?"
    page.click("#userInput")
    page.keyboard.type(prompt)
    page.keyboard.press("Enter")
    streamed(page, 1)
    answer = page.locator('[data-content="ai-message"]').last.text_content()
    browser.wait_for_events(lambda ev: by_type(ev, "response"), what="response")
    page.locator('[data-testid="copy-message-button"]').last.click()
    events = browser.wait_for_events(lambda ev: by_type(ev, "copy"), what="copy")

    [prompt_event] = by_type(events, "prompt")
    [response] = by_type(events, "response")
    [copy] = by_type(events, "copy")
    assert prompt_event["prompt_chars"] == len(prompt)
    assert response["response_chars"] == copy["response_chars"] == len(answer)
    assert response["url"] == "https://copilot.microsoft.com/chats/AbC123xyz"


def test_deepseek_answers_in_reused_rows_of_its_virtual_list_count_once(browser):
    page = open_fixture(browser, "https://chat.deepseek.com/a/chat/s/1234-abcd")
    browser.wait_for_health("deepseek", status="ok")  # the content script watches the page
    questions = ["What about quoting?", "And very large files?"]
    for n, question in enumerate(questions, start=1):
        page.click("#chat-input")
        page.keyboard.type(question)
        page.keyboard.press("Enter")
        streamed(page, n)
        answer = page.locator(".ds-markdown").last.text_content()
        events = browser.wait_for_events(
            lambda ev, n=n: len(by_type(ev, "response")) >= n, what=f"response {n}"
        )
        assert by_type(events, "response")[n - 1]["response_chars"] == len(answer)
        if n == 1:
            # Scroll up and back: the rows show older answers, then the latest again.
            for offset in (1, 2, 0):
                page.evaluate(f"scrollList({offset})")
                page.wait_for_selector(f'body[data-scrolled="{offset}"]')

    # The second answer is the later sign: by then any recount of a scrolled row was queued.
    assert len(by_type(events, "prompt")) == 2
    assert len(by_type(events, "response")) == 2


def test_health_is_kept_per_tab_and_a_closed_tab_drops_its_entry(browser, shots_dir):
    first = open_fixture(browser, "https://chatgpt.com/")
    second = open_fixture(browser, "https://chatgpt.com/", composerId="composer-v2")
    first.wait_for_selector("div#prompt-textarea")
    second.wait_for_selector("div#composer-v2")
    browser.wait_for_health("chatgpt", status="ok")
    browser.wait_for_health("chatgpt", status="fallback", timeout=20)
    assert sorted(h["status"] for h in browser.health()["chatgpt"].values()) == ["fallback", "ok"]

    popup = popup_shots(browser, shots_dir, "popup-fallback")
    expect(popup.locator("#health-warning")).to_have_text(
        "ChatGPT's page changed: Candor is counting with its general reader in another tab."
    )
    popup.close()
    second.close()
    statuses = None
    for _ in range(50):
        statuses = [h["status"] for h in browser.health().get("chatgpt", {}).values()]
        if statuses == ["ok"]:
            break
        first.wait_for_timeout(100)
    assert statuses == ["ok"], "the closed tab's fallback is gone, the open tab's verdict stays"
