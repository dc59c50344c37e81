"""The HTML export opens anywhere: no scripts, no requests, charts drawn, prints to A4/Letter."""

from candor import config, demo, export
from candor.db import connect
from conftest import CHROMIUM


def test_the_report_renders_its_charts_offline_and_makes_no_request(playwright_instance,
                                                                     tmp_path, shots_dir):
    db = connect(str(config.data_dir(str(tmp_path / "data")) / "candor.db"))
    demo.fill(db, days=35)
    html = export.render(export.build(db), "html")
    db.close()
    assert "<script" not in html.lower()
    path = tmp_path / "journal.html"
    path.write_text(html)

    browser = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-background-networking"])
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    requests = []
    context.route("**/*", lambda route: (requests.append(route.request.url),
                                         route.continue_() if route.request.url.startswith(
                                             "file://") else route.abort()))
    page = context.new_page()
    page.goto(path.as_uri())
    assert [url for url in requests if not url.startswith("file://")] == []
    assert requests == [path.as_uri()]
    charts = page.locator("figure svg.chart-drawing:visible")  # the wide layout, on a screen
    assert charts.count() == 3
    for i in range(3):
        box = charts.nth(i).bounding_box()
        assert box["width"] > 500 and box["height"] > 100
        assert charts.nth(i).locator("rect, polyline, circle").count() > 5  # bars, lines drawn
    page.screenshot(path=str(shots_dir / "export-report.png"), full_page=True)
    for paper in ("A4", "Letter"):
        pdf = page.pdf(format=paper)
        assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    browser.close()
