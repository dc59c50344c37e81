"""Real Chromium with the unpacked extension loaded, and fixture pages under real AI-site hosts.

The extension runs exactly as a user installs it; only the AI sites are stand-ins
(tests/fixtures/sites/), served under their real host names with Playwright routing so
the manifest's own match patterns decide where the content script runs.
"""

import json
import re
import time
from pathlib import Path

import pytest
import requests
from support import start_server

from candor import security

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "extension"
SITES = ROOT / "tests" / "fixtures" / "sites"
CHROMIUM = Path("/usr/bin/chromium")
HERE = Path(__file__).resolve().parent

# Where each fixture page is served: the real host names the manifest matches.
FIXTURE_HOSTS = {
    "chatgpt": ["https://chatgpt.com/**", "https://chat.openai.com/**"],
    "claude": ["https://claude.ai/**"],
    "gemini": ["https://gemini.google.com/**"],
    "copilot": ["https://copilot.microsoft.com/**"],
    "deepseek": ["https://chat.deepseek.com/**"],
}


def pytest_collection_modifyitems(config, items):
    """Skip the browser tests, and only them, on a machine without Debian's chromium."""
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason="needs /usr/bin/chromium (apt-get install chromium)")
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(skip)


def launch_args(extension_dir):
    return [
        f"--disable-extensions-except={extension_dir}",
        f"--load-extension={extension_dir}",
        "--no-sandbox",
        "--disable-quic",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]


def serve(html):
    """A route handler answering every request with the page `html`."""

    def handler(route):
        route.fulfill(body=html, content_type="text/html; charset=utf-8")

    return handler


class ExtensionBrowser:
    """A Chromium profile with Candor loaded, and ways to look at what Candor stored."""

    def __init__(self, playwright, profile_dir, extension_dir=EXTENSION):
        self.playwright = playwright
        self.profile_dir = profile_dir
        self.extension_dir = extension_dir
        self.ctx = None
        self.launch()

    def launch(self):
        """Start (or restart) the browser on the same profile."""
        self.ctx = self.playwright.chromium.launch_persistent_context(
            str(self.profile_dir),
            executable_path=str(CHROMIUM),
            headless=True,
            args=launch_args(self.extension_dir),
            viewport={"width": 1100, "height": 800},
        )
        for name, patterns in FIXTURE_HOSTS.items():
            for pattern in patterns:
                self.ctx.route(pattern, serve((SITES / f"{name}.html").read_text()))
        worker = self.worker()
        self.extension_id = worker.url.split("/")[2]

    def close(self):
        if self.ctx is not None:
            self.ctx.close()
            self.ctx = None

    def restart(self):
        """Quit the browser and start it again on the same profile (a browser restart)."""
        self.close()
        self.launch()

    def worker(self, timeout=10_000):
        """The extension's service worker (evaluating in it restarts it if it was stopped)."""
        live = [w for w in self.ctx.service_workers if w.url.startswith("chrome-extension://")]
        return live[-1] if live else self.ctx.wait_for_event("serviceworker", timeout=timeout)

    def evaluate(self, script, arg=None):
        """Run `script` in the service worker."""
        return self.worker().evaluate(script, arg)

    def url(self, path):
        return f"chrome-extension://{self.extension_id}/{path}"

    def storage(self, area="local"):
        return self.evaluate(f"chrome.storage.{area}.get(null)")

    def queued_events(self):
        """Every event in Candor's persistent queue, in order (read from chrome.storage)."""
        data = self.storage()
        meta = data.get("queue.meta", {"segments": []})
        return [
            entry["event"] for n in meta["segments"] for entry in data.get(f"queue.segment.{n}", [])
        ]

    def settings(self, **changes):
        """Change Candor's settings as the options page would (stored in chrome.storage)."""
        return self.evaluate(
            """async (changes) => {
                const { settings = {} } = await chrome.storage.local.get("settings");
                await chrome.storage.local.set({ settings: { ...settings, ...changes } });
                return (await chrome.storage.local.get("settings")).settings;
            }""",
            changes,
        )

    def wait_for_events(self, predicate, timeout=10.0, what="events"):
        """Poll the queue until `predicate(events)` holds; returns the events."""
        deadline = time.monotonic() + timeout
        events = []
        while time.monotonic() < deadline:
            events = self.queued_events()
            if predicate(events):
                return events
            time.sleep(0.1)
        raise AssertionError(
            f"timed out waiting for {what}; queue holds: {json.dumps(events, indent=1)}"
        )

    def health(self):
        """Adapter health as the background keeps it: {site: {tab id: {status, …}}}."""
        return self.storage("session").get("adapterHealth", {})

    def wait_for_health(self, site, timeout=15.0, status=None):
        """Poll until a tab of `site` has reported its adapter's health (with `status`, if
        given); returns that tab's entry."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for entry in self.health().get(site, {}).values():
                if status is None or entry["status"] == status:
                    return entry
            time.sleep(0.2)
        raise AssertionError(f"no adapter health {status or ''} reported for {site}: {self.health()}")

    def stop_service_worker(self):
        """Stop the extension's service worker, as the browser does when it idles (CDP)."""
        page = self.ctx.new_page()
        page.goto(self.url("manifest.json"))  # ServiceWorker.* acts on the page's own origin
        cdp = self.ctx.new_cdp_session(page)
        statuses = []
        cdp.on(
            "ServiceWorker.workerVersionUpdated",
            lambda e: statuses.extend(v["runningStatus"] for v in e["versions"]),
        )
        cdp.send("ServiceWorker.enable")
        cdp.send("ServiceWorker.stopAllWorkers")
        deadline = time.monotonic() + 5
        while "stopped" not in statuses:
            if time.monotonic() > deadline:
                raise AssertionError(f"the service worker did not stop: {statuses}")
            page.wait_for_timeout(50)
        cdp.detach()
        page.close()


@pytest.fixture(scope="session")
def playwright_instance():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        yield playwright


@pytest.fixture
def browser(playwright_instance, tmp_path):
    """Chromium with Candor loaded on a fresh profile."""
    instance = ExtensionBrowser(playwright_instance, tmp_path / "profile")
    yield instance
    instance.close()


def open_fixture(browser, url, **config):
    """Open a fixture AI page at its real URL; `config` tunes the fixture (chunks, delays…)."""
    page = browser.ctx.new_page()
    query = f"?fixture={json.dumps(config)}" if config else ""
    page.goto(url + query)
    return page


@pytest.fixture
def shots_dir():
    path = Path("/tmp/shots")
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture
def demo(tmp_path):
    """A `candor serve --demo` process, its data dir (from what it printed) and its token."""
    server = start_server(tmp_path / "unused", extra_args=["--demo"])
    log = (tmp_path / f"server-{server.port}.log").read_text()
    server.data_dir = Path(re.search(r"CANDOR_DATA_DIR=(\S+) candor open", log).group(1))
    server.token = security.read_token(server.data_dir)
    yield server
    server.kill(sig=15)


@pytest.fixture
def page(playwright_instance):
    """A plain Chromium page (no extension), 1280 wide; what went wrong on it is in .errors."""
    browser = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-background-networking"])
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.errors = errors
    yield page
    browser.close()


def api(server, path, **params):
    """GET an API call of `server` with its token; the JSON answer."""
    r = requests.get(f"{server.url}{path}", params=params, timeout=10,
                     headers={"Authorization": f"Bearer {server.token}"})
    r.raise_for_status()
    return r.json()
