"""Tokens are counted with o200k in the extension, whatever the language; without the
vendored tokenizer they are estimated as characters / 4, and each event says which."""

import json
import math
import shutil

import pytest
from support import o200k

from conftest import EXTENSION, ExtensionBrowser, open_fixture

VENDOR_ENTRY = EXTENSION / "vendor" / "gpt-tokenizer" / "esm" / "encoding" / "o200k_base.js"
SENTINEL = "センチネル-c4nd0r-9q"
# Japanese prose: characters / 4 would make about a third of its tokens.
JAPANESE = ("吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。何でも薄暗いじめじめした"
            f"所でニャーニャー泣いていた事だけは記憶している。{SENTINEL}")
ANSWER = "承知しました。CSVファイルはcsvモジュールで読み込めます。例を示します：import csv を使い、" \
         "with open() でファイルを開いて csv.reader に渡してください。各行はリストになります。"


def by_type(events, kind):
    return [e for e in events if e["type"] == kind]


def ask_and_wait(browser, prompt, answer):
    page = open_fixture(browser, "https://chatgpt.com/", answer=answer, chunks=5)
    page.wait_for_selector("div#prompt-textarea")
    page.click("div#prompt-textarea")
    page.keyboard.insert_text(prompt)
    page.click('[data-testid="send-button"]')
    page.wait_for_selector('body[data-streamed="1"]')
    events = browser.wait_for_events(lambda ev: by_type(ev, "response"), what="a response")
    return page, events


@pytest.fixture(autouse=True)
def vendored():
    if not VENDOR_ENTRY.exists():
        pytest.fail("extension/vendor/ is missing: run python3 scripts/vendor.py")


def test_a_japanese_prompt_and_answer_are_counted_with_o200k(browser):
    _, events = ask_and_wait(browser, JAPANESE, ANSWER)
    [prompt] = by_type(events, "prompt")
    [response] = by_type(events, "response")
    expected_in, expected_out = o200k(JAPANESE), o200k(ANSWER)
    assert expected_in > 2 * math.ceil(len(JAPANESE) / 4)  # what characters / 4 missed
    assert (prompt["est_tokens"], prompt["tokenizer"]) == (expected_in, "o200k")
    assert (response["est_tokens"], response["tokenizer"]) == (expected_out, "o200k")
    assert prompt["prompt_chars"] == len(JAPANESE)
    assert response["response_chars"] == len(ANSWER)
    # The text went to the worker to be counted, and no further.
    everything = json.dumps([browser.storage("local"), browser.storage("session")],
                            ensure_ascii=False)
    assert SENTINEL not in everything and "吾輩" not in everything


def test_counting_survives_the_worker_being_stopped(browser):
    ask_and_wait(browser, "First question, to wake the tokenizer", "First answer.")
    browser.stop_service_worker()
    page = open_fixture(browser, "https://chatgpt.com/", answer=ANSWER, chunks=5)
    page.wait_for_selector("div#prompt-textarea")
    page.click("div#prompt-textarea")
    page.keyboard.insert_text(JAPANESE)
    page.click('[data-testid="send-button"]')
    events = browser.wait_for_events(lambda ev: len(by_type(ev, "prompt")) == 2, what="prompt")
    assert (by_type(events, "prompt")[1]["est_tokens"],
            by_type(events, "prompt")[1]["tokenizer"]) == (o200k(JAPANESE), "o200k")


def test_counting_goes_on_after_the_tokenizer_document_closed_itself(browser):
    # The offscreen document closes after five idle minutes; the next text reopens it.
    ask_and_wait(browser, "First question, to open the tokenizer", "First answer.")
    assert browser.evaluate("chrome.offscreen.hasDocument()")
    browser.evaluate("chrome.offscreen.closeDocument()")
    page = open_fixture(browser, "https://chatgpt.com/", answer=ANSWER, chunks=5)
    page.wait_for_selector("div#prompt-textarea")
    page.click("div#prompt-textarea")
    page.keyboard.insert_text(JAPANESE)
    page.click('[data-testid="send-button"]')
    events = browser.wait_for_events(lambda ev: len(by_type(ev, "response")) == 2, what="answer")
    second = by_type(events, "prompt")[1], by_type(events, "response")[1]
    assert [(e["est_tokens"], e["tokenizer"]) for e in second] == [
        (o200k(JAPANESE), "o200k"), (o200k(ANSWER), "o200k")]
    assert browser.evaluate("chrome.offscreen.hasDocument()")


def test_without_the_vendored_tokenizer_tokens_are_estimated_and_say_so(playwright_instance,
                                                                         tmp_path):
    # An unpacked copy loaded without `python3 scripts/vendor.py`.
    bare = tmp_path / "extension"
    shutil.copytree(EXTENSION, bare, ignore=shutil.ignore_patterns("vendor"))
    browser = ExtensionBrowser(playwright_instance, tmp_path / "profile", extension_dir=bare)
    try:
        _, events = ask_and_wait(browser, JAPANESE, ANSWER)
        [prompt] = by_type(events, "prompt")
        [response] = by_type(events, "response")
        assert (prompt["est_tokens"], prompt["tokenizer"]) == (
            math.ceil(len(JAPANESE) / 4), "chars/4")
        assert (response["est_tokens"], response["tokenizer"]) == (
            math.ceil(len(ANSWER) / 4), "chars/4")
    finally:
        browser.close()
