"""Labels and rules in a real browser, against a real `candor serve --demo`: a label set with
`l` in the review queue, a rule's suggested tag accepted with `a` (and only then a tag), labels
on the Sessions and session pages, and a rule added on Settings and applied to the past."""

import pytest
import requests
from accessibility import assert_accessible
from playwright.sync_api import expect

from conftest import api


@pytest.fixture(autouse=True)
def patient_expect():
    """Wait up to 15 s for what a page shows: a busy 2-core machine is slow to answer."""
    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=5_000)


def post(server, path, body):
    r = requests.post(f"{server.url}{path}", json=body, timeout=30,
                      headers={"Authorization": f"Bearer {server.token}"})
    r.raise_for_status()
    return r.json()


def test_a_label_with_l_and_a_suggested_tag_accepted_with_a(demo, page, shots_dir):
    first = api(demo, "/api/v1/sessions", tag="untagged", limit=1)["sessions"][0]
    post(demo, "/api/v1/rules", {"field": "site", "match": "glob", "pattern": first["site"],
                                 "action": "suggest", "value": "busywork"})
    assert post(demo, "/api/v1/rules/apply", {})["suggested"] >= 1
    # A suggestion is not a verdict: the session is still untagged, and still in the queue.
    assert api(demo, f"/api/v1/sessions/{first['id']}")["tag"] is None

    page.goto(demo.login_link())
    page.goto(f"{demo.url}/review")
    row = page.locator(f'li.session[data-id="{first["id"]}"]')
    expect(row.locator(".suggestion")).to_contain_text("Busywork")
    expect(page.locator(".keys")).to_contain_text("accept a suggested tag")
    page.screenshot(path=str(shots_dir / "review-suggestion.png"), full_page=True)
    assert_accessible(page)

    row.locator(".when").click()  # the cursor on that row
    page.keyboard.press("l")
    expect(page.locator("#ask")).to_be_visible()
    expect(page.locator("#ask-label")).to_have_text("Labels (commas between)")
    page.fill("#ask-input", " acme ,  hiring,acme")
    page.keyboard.press("Enter")
    expect(row.locator("ul.labels li")).to_have_text(["acme", "hiring"])
    expect(page.locator("#status")).to_have_text("Labels saved: acme, hiring.")
    assert api(demo, f"/api/v1/sessions/{first['id']}")["labels"] == ["acme", "hiring"]

    row.locator(".when").click()
    page.keyboard.press("a")
    expect(row).to_have_attribute("data-tag", "busywork")
    expect(row.locator(".suggestion")).to_have_count(0)
    expect(page.locator("#status")).to_have_text("Session tagged Busywork.")
    detail = api(demo, f"/api/v1/sessions/{first['id']}")
    assert detail["tag"] == "busywork"
    assert [h["new"] for h in detail["tag_history"]][-1] == "busywork"

    # The labels on the session's page, where they are edited too; the Sessions page filters.
    page.goto(f"{demo.url}/sessions/{first['id']}")
    expect(page.locator("#labels")).to_have_value("acme, hiring")
    page.fill("#labels", "acme")
    page.click("#annotate button[type=submit]")
    expect(page.locator("#status")).to_have_text("Saved.")
    assert api(demo, f"/api/v1/sessions/{first['id']}")["labels"] == ["acme"]
    assert_accessible(page)
    page.goto(f"{demo.url}/sessions?label=acme")
    expect(page.locator("li.session")).to_have_count(1)
    expect(page.locator("select[name=label]")).to_have_value("acme")
    # The overview groups the range's time by label.
    page.goto(f"{demo.url}/")
    by_label = page.locator("figure.chart", has_text="Active time by label")
    expect(by_label).to_contain_text("acme")
    expect(by_label).to_contain_text("(none)")
    assert page.errors == []


def test_a_rule_added_on_settings_and_applied_to_the_past(demo, page, shots_dir):
    site = api(demo, "/api/v1/sessions", limit=1)["sessions"][0]["site"]
    of_site = len(api(demo, "/api/v1/sessions", site=site, limit=500)["sessions"])
    page.goto(demo.login_link())
    page.goto(f"{demo.url}/settings")
    expect(page.locator("#rule-rows")).to_have_text("No rules yet.")
    form = page.locator("#add-rule")
    form.locator("select[name=field]").select_option("site")
    form.locator("select[name=match]").select_option("regex")
    form.locator("input[name=pattern]").fill("(?<=x)y")  # not RE2: refused, naming why
    form.locator("input[name=value]").fill("client-x")
    form.locator("button[type=submit]").click()
    expect(page.locator("#rules-status")).to_contain_text("Not added")
    assert api(demo, "/api/v1/rules")["rules"] == []
    page.errors.clear()  # the browser logs the refusal's 422

    form.locator("input[name=pattern]").fill(f"^{site}$")
    form.locator("button[type=submit]").click()
    expect(page.locator("#rules-status")).to_have_text(
        "Rule added: it applies to sessions as they end.")
    rule = page.locator("#rule-rows tr")
    expect(rule).to_have_count(1)
    expect(rule.locator("td").nth(3)).to_have_text("0")
    page.click("#apply-rules")
    expect(page.locator("#rules-status")).to_contain_text("Rules applied to")
    expect(rule.locator("td").nth(3)).to_have_text(str(of_site))
    (made,) = api(demo, "/api/v1/rules")["rules"]
    assert (made["field"], made["match"], made["action"], made["value"], made["matched"]) == (
        "site", "regex", "label", "client-x", of_site)
    page.screenshot(path=str(shots_dir / "settings-rules.png"), full_page=True)
    assert_accessible(page)

    rule.locator("button.remove-rule").click()
    expect(page.locator("#rule-rows")).to_have_text("No rules yet.")
    assert api(demo, "/api/v1/rules")["rules"] == []
    assert page.errors == []
