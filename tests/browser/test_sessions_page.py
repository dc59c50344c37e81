"""Finding and fixing sessions in a real browser, against a real `candor serve --demo`: the
Sessions page's filters and search, tag buttons in each row, tagging only the untagged ones
shown, and undo."""

from urllib.parse import parse_qs, urlsplit

import pytest
from accessibility import assert_accessible
from playwright.sync_api import expect

from conftest import CHROMIUM, api


@pytest.fixture(autouse=True)
def patient_expect():
    """Wait up to 15 s for what a page shows: on a busy 2-core machine a bulk tagging with
    its day totals can take longer than Playwright's 5 s."""
    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=5_000)  # Playwright's own default, for the other tests


def shown(page):
    """The ids of the sessions listed on the page, in order."""
    return page.locator("li.session").evaluate_all("rows => rows.map(r => r.dataset.id)")


def ids(answer):
    return [s["id"] for s in answer["sessions"]]


def tag_of(server, sid):
    return api(server, f"/api/v1/sessions/{sid}")["tag"]


def test_filters_and_search_are_kept_in_the_address(demo, page, shots_dir):
    page.goto(demo.login_link())
    page.goto(f"{demo.url}/sessions")
    expect(page.locator("nav a[aria-current=page]")).to_have_text("Sessions")
    assert shown(page) == ids(api(demo, "/api/v1/sessions", limit=50))
    title = api(demo, "/api/v1/sessions", site="claude", tag="untagged",
                limit=1)["sessions"][0]["title"]
    word = title.split()[-1].upper()  # any case finds it
    page.fill("input[name=q]", word)
    page.select_option("select[name=site]", "claude")
    page.select_option("select[name=tag]", "untagged")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/sessions?*")
    # Only the filters chosen are in the address (to bookmark), the empty ones left out.
    assert parse_qs(urlsplit(page.url).query, keep_blank_values=True) == {
        "q": [word], "tag": ["untagged"], "site": ["claude"]}
    expected = ids(api(demo, "/api/v1/sessions", q=word, site="claude", tag="untagged"))
    assert expected and shown(page) == expected
    assert all(word.lower() in page.locator("li.session .what a").nth(i).inner_text().lower()
               for i in range(len(expected)))
    page.screenshot(path=str(shots_dir / "sessions-filtered.png"), full_page=True)
    # The bookmark, opened later, shows the same view with its filters filled in.
    bookmark = page.url
    page.goto(f"{demo.url}/")
    page.goto(bookmark)
    assert shown(page) == expected
    expect(page.locator("input[name=q]")).to_have_value(word)
    expect(page.locator("select[name=site]")).to_have_value("claude")
    expect(page.locator("select[name=tag]")).to_have_value("untagged")
    assert page.errors == []


def test_a_date_range_and_a_kind_page_through_older_sessions(demo, page):
    answer = api(demo, "/api/v1/sessions", kind="chat", limit=50)
    first, last = (answer["sessions"][i]["started_at"][:10] for i in (-1, 0))
    page.goto(demo.login_link())
    page.goto(f"{demo.url}/sessions?kind=chat")
    assert shown(page) == ids(answer)
    page.click("text=Older sessions")
    page.wait_for_url("**cursor=*")
    assert parse_qs(urlsplit(page.url).query)["kind"] == ["chat"]  # the filter goes along
    older = api(demo, "/api/v1/sessions", kind="chat", limit=50, cursor=answer["next_cursor"])
    assert shown(page) == ids(older)
    page.click("text=back to the newest")
    assert shown(page) == ids(answer)
    page.fill("input[name=from]", first)
    page.fill("input[name=to]", last)
    page.click("form.filters button[type=submit]")
    page.wait_for_url(f"**from={first}**")
    assert shown(page) == ids(api(demo, "/api/v1/sessions", kind="chat", limit=50,
                                  **{"from": first, "to": last}))
    page.fill("input[name=q]", "no session is called this")
    page.click("form.filters button[type=submit]")
    expect(page.locator(".callout")).to_contain_text("No session matches these filters")


def test_a_row_is_tagged_with_a_click_and_the_pressed_button_shows_its_tag(demo, page):
    page.goto(demo.login_link())
    page.goto(f"{demo.url}/sessions?tag=untagged")
    row = page.locator("li.session").nth(1)
    sid = row.get_attribute("data-id")
    row.get_by_role("button", name="Busywork").click()
    expect(row.get_by_role("button", name="Busywork")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#status")).to_have_text("Session tagged Busywork.")
    assert tag_of(demo, sid) == "busywork"
    expect(row.get_by_role("button", name="Real output")).to_have_attribute("aria-pressed", "false")
    row.get_by_role("button", name="Real output").click()
    expect(row.get_by_role("button", name="Real output")).to_have_attribute("aria-pressed", "true")
    expect(row.get_by_role("button", name="Busywork")).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#status")).to_have_text("Session tagged Real output.")
    assert tag_of(demo, sid) == "real"
    row.get_by_role("button", name="Real output").click()  # pressed again: the tag comes off
    expect(page.locator("#status")).to_have_text("Tag removed.")
    expect(row.locator("button[aria-pressed=true]")).to_have_count(0)
    assert tag_of(demo, sid) is None
    # A session tagged before shows its tag pressed when the page opens.
    page.goto(f"{demo.url}/sessions?tag=unsure")
    pressed = page.locator("li.session").first.locator("button[aria-pressed=true]")
    expect(pressed).to_have_text("Unsure")
    assert page.errors == []


@pytest.mark.parametrize("path", ["/review", "/sessions"])
def test_a_finger_tags_a_row_on_a_phone(demo, playwright_instance, path, shots_dir):
    browser = playwright_instance.chromium.launch(executable_path=str(CHROMIUM),
                                                  args=["--no-sandbox"])
    phone = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True,
                                is_mobile=True, device_scale_factor=2)
    page = phone.new_page()
    try:
        page.goto(demo.login_link())
        page.goto(f"{demo.url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        row = page.locator("li.session").first
        sid = row.get_attribute("data-id")
        buttons = row.locator("button[data-tag]")
        for i in range(3):
            box = buttons.nth(i).bounding_box()
            assert box["height"] >= 44 and box["width"] >= 44, box
        row.get_by_role("button", name="Unsure").tap()
        expect(row.get_by_role("button", name="Unsure")).to_have_attribute("aria-pressed", "true")
        assert tag_of(demo, sid) == "unsure"
        page.get_by_role("button", name="Undo").tap()  # no z key on a phone
        expect(page.locator("#status")).to_have_text("Undone.")
        expect(row.locator("button[aria-pressed=true]")).to_have_count(0)
        assert tag_of(demo, sid) is None
        page.screenshot(path=str(shots_dir / f"phone{path.replace('/', '-')}.png"))
    finally:
        browser.close()


def test_tag_all_shown_tags_only_the_untagged_and_one_undo_takes_it_all_back(demo, page):
    page.goto(demo.login_link())
    page.goto(f"{demo.url}/review")
    rows = page.locator("li.session")
    listed = shown(page)
    assert len(listed) > 5
    expect(page.locator("#bulk-label")).to_have_text(f"Tag all {len(listed)} shown:")
    page.keyboard.press("r")  # the first, from the keyboard
    rows.nth(1).get_by_role("button", name="Unsure").click()  # the second, with the mouse
    expect(page.locator("#bulk-label")).to_have_text(
        f"Tag the {len(listed) - 2} untagged sessions of the {len(listed)} shown:")
    page.click("[data-bulk=busywork]")
    expect(page.locator("#status")).to_have_text(f"{len(listed) - 2} sessions tagged Busywork.")
    tags = {sid: tag_of(demo, sid) for sid in listed}
    assert tags == {listed[0]: "real", listed[1]: "unsure",
                    **{sid: "busywork" for sid in listed[2:]}}
    expect(page.locator("#bulk-label")).to_have_text("Every session shown has a tag.")
    expect(page.locator("[data-bulk=real]")).to_be_disabled()
    page.keyboard.press("z")  # one undo: the whole bulk tagging, and only it
    expect(page.locator("#status")).to_have_text(
        f"Undone: {len(listed) - 2} sessions are back as they were.")
    tags = {sid: tag_of(demo, sid) for sid in listed}
    assert tags == {listed[0]: "real", listed[1]: "unsure", **{sid: None for sid in listed[2:]}}
    expect(rows.nth(2).locator("button[aria-pressed=true]")).to_have_count(0)
    # The cursor is on the first row the undo changed, and has the focus.
    expect(page.locator("li.session.current")).to_have_attribute("data-id", listed[2])
    assert page.evaluate("document.activeElement.dataset.id") == listed[2]
    expect(page.locator("#bulk-label")).to_have_text(
        f"Tag the {len(listed) - 2} untagged sessions of the {len(listed)} shown:")
    page.keyboard.press("z")  # then the mouse's tag, then the keyboard's
    expect(page.locator("li.session.current")).to_have_attribute("data-id", listed[1])
    page.keyboard.press("z")
    expect(page.locator("li.session.current")).to_have_attribute("data-id", listed[0])
    expect(page.locator("#status")).to_have_text("Undone.")
    assert [tag_of(demo, sid) for sid in listed[:2]] == [None, None]
    assert page.errors == []


def test_undo_puts_the_cursor_back_on_the_undone_row(demo, page):
    page.goto(demo.login_link())
    page.goto(f"{demo.url}/review")
    listed = shown(page)
    for key in ("j", "j", "b", "j"):  # busywork on the third; the cursor moves on, twice
        page.keyboard.press(key)
    expect(page.locator("li.session.current")).to_have_attribute("data-id", listed[4])
    assert tag_of(demo, listed[2]) == "busywork"
    page.keyboard.press("z")
    expect(page.locator("#status")).to_have_text("Undone.")
    expect(page.locator("li.session.current")).to_have_attribute("data-id", listed[2])
    assert page.evaluate("document.activeElement.dataset.id") == listed[2]
    assert tag_of(demo, listed[2]) is None
    page.keyboard.press("u")  # the next key acts on the undone row
    expect(page.locator(f"li.session[data-id='{listed[2]}']")).to_have_attribute(
        "data-tag", "unsure")
    assert tag_of(demo, listed[2]) == "unsure"


@pytest.mark.parametrize("path", ["/sessions", "/sessions?tag=untagged&q=plan"])
def test_the_sessions_page_passes_the_accessibility_check(demo, page, path):
    page.goto(demo.login_link())
    page.goto(f"{demo.url}{path}")
    assert_accessible(page)
