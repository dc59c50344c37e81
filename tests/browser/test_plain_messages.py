"""What the dashboard's scripts say when the API refuses a change: the field as the page names
it and what to do, never the API's summary meant for programs."""

from playwright.sync_api import expect


def test_a_refused_outcome_link_says_what_to_do(demo, page):
    page.goto(demo.login_link())
    page.goto(f"{demo.url}/sessions")
    page.locator("li.session a").first.click()
    expect(page.locator("#annotate")).to_be_visible()
    # A URL to the browser, but not an address the journal keeps (http and https only).
    page.fill("#outcome", "ftp://files.example/report.pdf")
    page.click("#annotate button[type=submit]")
    status = page.locator("#status")
    expect(status).to_have_text("Not saved: Outcome link: Not a valid URL. "
                                "Give the whole address, starting with https://.")
    expect(status).not_to_contain_text("Some fields are not valid")
    expect(status).not_to_contain_text("outcome_url")
    # Put right, it is kept.
    page.fill("#outcome", "https://git.example/pr/9")
    page.click("#annotate button[type=submit]")
    expect(status).not_to_contain_text("Not saved")
    page.reload()
    expect(page.locator("#outcome")).to_have_value("https://git.example/pr/9")
