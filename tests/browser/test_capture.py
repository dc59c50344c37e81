"""What the extension records on AI sites, read back from its persistent queue."""

import re
import time

from support import o200k

from conftest import open_fixture

SENTINEL = "SENTINEL-c4nd0r-7f3a"
ASSISTANT_COPY = (
    'article:has([data-message-author-role="assistant"]) [data-testid="copy-turn-action-button"]'
)
PROMPT = f"Explain how to parse a CSV file in Python, {SENTINEL}, with an example"


def by_type(events, kind):
    return [e for e in events if e["type"] == kind]


def type_prompt(page, selector, text):
    page.wait_for_selector(selector)  # the editor is hydrated a moment after load
    page.click(selector)
    page.keyboard.type(text)


def test_chatgpt_prompt_response_copy_and_model_are_counted(browser):
    page = open_fixture(browser, "https://chatgpt.com/")
    type_prompt(page, "div#prompt-textarea", PROMPT)
    page.click('[data-testid="send-button"]')
    page.wait_for_selector('body[data-streamed="1"]')
    answer = page.inner_text('[data-message-author-role="assistant"]').strip()
    page.click(ASSISTANT_COPY)

    events = browser.wait_for_events(
        lambda ev: by_type(ev, "copy") and by_type(ev, "response"), what="copy"
    )
    [prompt] = by_type(events, "prompt")
    [response] = by_type(events, "response")
    [copy] = by_type(events, "copy")
    assert prompt["prompt_chars"] == len(PROMPT)
    assert (prompt["est_tokens"], prompt["tokenizer"]) == (o200k(PROMPT), "o200k")
    assert re.fullmatch(r"[0-9a-f]{16}", prompt["fingerprint"])
    assert response["response_chars"] == len(answer)
    assert (response["est_tokens"], response["tokenizer"]) == (o200k(answer), "o200k")
    assert response["model"] == "gpt-4o"
    assert copy["response_chars"] == len(answer)
    assert events[0]["type"] == "session_start"
    assert {e["session_id"] for e in events} == {events[0]["session_id"]}, (
        "/ → /c/<id> is one session"
    )
    assert {e["site"] for e in events} == {"chatgpt"}
    assert response["url"].startswith("https://chatgpt.com/c/")
    assert response.get("title"), "titles are kept by default"

    everything = str(browser.storage("local")) + str(browser.storage("session"))
    assert SENTINEL not in everything


def test_a_response_counts_only_after_streaming_ends(browser):
    page = open_fixture(browser, "https://chatgpt.com/", chunks=30, chunkDelay=100)
    type_prompt(page, "div#prompt-textarea", "Write a long answer please")
    page.keyboard.press("Enter")
    page.wait_for_selector(".result-streaming")
    browser.wait_for_events(lambda ev: by_type(ev, "prompt"), what="prompt")  # Candor is watching
    page.wait_for_timeout(1_200)  # well into the stream, past several of Candor's checks
    assert not by_type(browser.queued_events(), "response")
    assert page.locator(".result-streaming").count(), "the answer was still streaming"
    page.wait_for_selector('body[data-streamed="1"]')
    events = browser.wait_for_events(lambda ev: by_type(ev, "response"), what="response")
    assert len(by_type(events, "prompt")) == 1, "Enter sends one prompt"
    assert len(by_type(events, "response")) == 1


def test_claude_selection_copy_with_keyboard_and_model(browser):
    page = open_fixture(browser, "https://claude.ai/new")
    type_prompt(page, '[data-testid="chat-input"]', PROMPT)
    page.click('button[aria-label="Send message"]')
    page.wait_for_selector('[data-is-streaming="false"]')
    page.wait_for_url(re.compile(r"/chat/"))
    # Select part of the answer and press Ctrl+C.
    copied = page.evaluate("""() => {
        const text = document.querySelector('.font-claude-response').firstChild;
        const range = document.createRange();
        range.setStart(text, 2);
        range.setEnd(text, 42);
        getSelection().removeAllRanges();
        getSelection().addRange(range);
        return getSelection().toString().length;
    }""")
    page.keyboard.press("Control+C")

    events = browser.wait_for_events(lambda ev: by_type(ev, "copy"), what="copy")
    [prompt] = by_type(events, "prompt")
    [response] = by_type(events, "response")
    [copy] = by_type(events, "copy")
    assert prompt["prompt_chars"] == len(PROMPT)
    assert prompt["model"] == response["model"] == "Claude Sonnet 4.5"
    assert copy["response_chars"] == copied == 40
    assert {e["site"] for e in events} == {"claude"}
    assert len({e["session_id"] for e in events}) == 1, "/new → /chat/<id> is one session"
    assert SENTINEL not in str(browser.storage("local"))


def test_copying_the_prompt_box_or_a_user_message_is_not_a_response_copy(browser):
    page = open_fixture(browser, "https://chatgpt.com/")
    type_prompt(page, "div#prompt-textarea", "First question")
    page.keyboard.press("Enter")
    page.wait_for_selector('body[data-streamed="1"]')
    page.click(
        'article:has([data-message-author-role="user"]) [data-testid="copy-turn-action-button"]'
    )
    type_prompt(page, "div#prompt-textarea", "draft text")
    page.keyboard.press("Control+A")
    page.keyboard.press("Control+C")
    # Then a copy that counts: once it is queued, the ones before it were handled too.
    answer = page.inner_text('[data-message-author-role="assistant"]').strip()
    page.click(ASSISTANT_COPY)
    events = browser.wait_for_events(lambda ev: by_type(ev, "copy"), what="copy")
    [copy] = by_type(events, "copy")
    assert copy["response_chars"] == len(answer)


def test_switching_conversation_starts_a_new_session_and_closing_the_tab_ends_it(browser):
    page = open_fixture(browser, "https://chatgpt.com/c/first-conversation")
    type_prompt(page, "div#prompt-textarea", "Question in the first conversation")
    page.keyboard.press("Enter")
    page.wait_for_selector('body[data-streamed="1"]')
    page.evaluate("history.pushState({}, '', '/c/second-conversation')")
    page.click("main")  # the page changes as the other conversation renders
    page.evaluate("document.getElementById('thread').append(document.createElement('p'))")
    events = browser.wait_for_events(
        lambda ev: len(by_type(ev, "session_start")) == 2, what="second session"
    )
    page.close()
    events = browser.wait_for_events(
        lambda ev: len(by_type(ev, "session_end")) == 2, what="session ends"
    )
    first, second = [e["session_id"] for e in by_type(events, "session_start")]
    assert first != second
    assert by_type(events, "prompt")[0]["session_id"] == first
    assert sum(e["active_ms"] for e in by_type(events, "activity")) > 0
    assert by_type(events, "session_end")[-1]["session_id"] == second


def test_old_answers_on_a_reopened_conversation_are_not_counted(browser):
    page = open_fixture(browser, "https://chatgpt.com/c/abc")
    page.wait_for_selector("div#prompt-textarea")
    browser.wait_for_health("chatgpt")  # the content script watches the page from here on
    # The conversation's history renders after load, as the real site's does.
    page.evaluate("""() => {
        const m = document.createElement('div');
        m.setAttribute('data-message-author-role', 'assistant');
        m.setAttribute('data-message-id', 'old-1');
        m.textContent = 'An answer from yesterday';
        document.getElementById('thread').append(m);
    }""")
    page.wait_for_timeout(800)  # past Candor's look at the page
    # Then a new answer: once it is queued, an old one counted would be queued before it.
    type_prompt(page, "div#prompt-textarea", "A question today")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "document.body.dataset.streamed === "
        "String(document.querySelectorAll('[data-message-author-role=assistant]').length - 1)"
    )
    answer = page.locator('[data-message-author-role="assistant"]').last.inner_text().strip()
    events = browser.wait_for_events(lambda ev: by_type(ev, "response"), what="response")
    [response] = by_type(events, "response")
    assert response["response_chars"] == len(answer)


def test_pausing_records_nothing(browser):
    browser.settings(paused=True)
    page = open_fixture(browser, "https://chatgpt.com/")
    browser.wait_for_health("chatgpt")  # the content script runs, and reports to the background
    type_prompt(page, "div#prompt-textarea", "Paused question")
    page.keyboard.press("Enter")
    page.wait_for_selector('body[data-streamed="1"]')
    assert browser.queued_events() == []
    # Resumed, the next prompt counts: once it is queued, the paused one was handled before.
    browser.settings(paused=False)
    type_prompt(page, "div#prompt-textarea", "Resumed question")
    page.keyboard.press("Enter")
    events = browser.wait_for_events(lambda ev: by_type(ev, "prompt"), what="prompt")
    [prompt] = by_type(events, "prompt")
    assert prompt["prompt_chars"] == len("Resumed question")


def test_a_site_not_in_the_manifest_gets_no_content_script(browser):
    page = browser.ctx.new_page()
    page.route(
        "https://example.com/**",
        lambda route: route.fulfill(body="<textarea></textarea><p>hi</p>", content_type="text/html"),
    )
    cdp = browser.ctx.new_cdp_session(page)
    worlds = []  # (page origin, name) of each isolated world (content script) made in the tab
    page_origin = [None]

    def context_created(event):
        context = event["context"]
        if context.get("auxData", {}).get("isDefault"):
            page_origin[0] = context["origin"]  # a new page's own world comes first
        elif context.get("auxData", {}).get("type") == "isolated":
            worlds.append((page_origin[0], context["name"]))

    cdp.on("Runtime.executionContextCreated", context_created)
    cdp.send("Runtime.enable")
    page.goto("https://example.com/")
    page.evaluate("new Promise((done) => requestIdleCallback(done))")  # past document_idle
    # Then a page in the manifest, in the same tab: its content script shows they do run.
    page.goto("https://chatgpt.com/")
    deadline = time.monotonic() + 10
    while ("https://chatgpt.com", "Candor") not in worlds:
        assert time.monotonic() < deadline, f"no content script on chatgpt.com: {worlds}"
        page.wait_for_timeout(50)
    assert ("https://example.com", "Candor") not in worlds
