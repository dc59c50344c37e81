"""What counting tokens with o200k costs the extension when its service worker wakes.

The browser stops an idle extension service worker and starts it again for the next
event, so whatever the worker loads at start it loads again and again. Candor's worker
does not load the tokenizer: in Chromium the o200k table (2.4 MB of JavaScript) lives in
an offscreen document made when a first text is counted (lib/tokenizer-host.js). This
measures, in headless Chromium with the extension loaded, over several cold starts (the
worker stopped through CDP and the offscreen document closed):

- worker start: from the worker's start (its performance.timeOrigin) until its code runs;
- tokenizer ready: from the worker's start until the offscreen document answers, taking
  the same steps as lib/tokenizer-host.js (is the vendored file there, make the
  document, ask until its module answers);
- counting a 10,000-token answer (40,000 characters) and an 89-character Japanese prompt
  once the tokenizer is ready.

    python bench/tokenizer_wake.py [--rounds 7]
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
EXTENSION = ROOT / "extension"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-quic", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

# Runs in the freshly started worker; the steps of lib/tokenizer-host.js, timed.
COLD_START = """async () => {
  const workerStart = performance.now();
  const vendored = (await fetch(chrome.runtime.getURL(
    "vendor/gpt-tokenizer/esm/encoding/o200k_base.js"))).ok;
  if (!vendored) return { vendored };
  await chrome.offscreen.createDocument({ url: "tokenizer/tokenizer.html", reasons: ["WORKERS"],
    justification: "bench" });
  for (;;) {
    try {
      const reply = await chrome.runtime.sendMessage({ target: "candor-tokenizer", text: "" });
      if (Number.isInteger(reply?.tokens)) break;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const ready = performance.now();
  const count = async (text) => {
    const at = performance.now();
    const { tokens } = await chrome.runtime.sendMessage({ target: "candor-tokenizer", text });
    return [tokens, performance.now() - at, [...text].length];
  };
  // Varied sentences, so the tokenizer's cache of words seen does not flatter it.
  const sentences = Array.from({ length: 800 }, (_, i) =>
    `Step ${i} checks item ${(i * 7919) % 10007} against rule ${(i * 104729) % 977}. `);
  const answer = await count(sentences.join("").slice(0, 40000));
  const japanese = await count(
    "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。何でも薄暗いじめじめした所で"
    + "ニャーニャー泣いていた事だけは記憶している。吾輩はここで始めて人間というものを見た。");
  return { vendored, workerStart, ready, answer, japanese };
}"""


def stop_worker(ctx, extension_id):
    """Stop the extension's service worker, as the browser does when it idles (CDP)."""
    page = ctx.new_page()
    page.goto(f"chrome-extension://{extension_id}/manifest.json")
    cdp = ctx.new_cdp_session(page)
    statuses = []
    cdp.on("ServiceWorker.workerVersionUpdated",
           lambda e: statuses.extend(v["runningStatus"] for v in e["versions"]))
    cdp.send("ServiceWorker.enable")
    cdp.send("ServiceWorker.stopAllWorkers")
    deadline = time.monotonic() + 5
    while "stopped" not in statuses and time.monotonic() < deadline:
        page.wait_for_timeout(20)
    cdp.detach()
    page.close()


def worker(ctx):
    live = [w for w in ctx.service_workers if w.url.startswith("chrome-extension://")]
    return live[-1] if live else ctx.wait_for_event("serviceworker")


def run(rounds, extension=EXTENSION):
    with sync_playwright() as playwright:
        ctx = playwright.chromium.launch_persistent_context(
            tempfile.mkdtemp(prefix="candor-wake-"), executable_path=CHROMIUM, headless=True,
            args=ARGS + [f"--disable-extensions-except={extension}",
                         f"--load-extension={extension}"])
        try:
            extension_id = worker(ctx).url.split("/")[2]
            results = []
            for number in range(rounds + 1):  # the first round warms the disk cache
                worker(ctx).evaluate("chrome.offscreen.hasDocument().then((open) => "
                                     "open && chrome.offscreen.closeDocument())")
                stop_worker(ctx, extension_id)
                result = worker(ctx).evaluate(COLD_START)
                if not result["vendored"]:
                    print("extension/vendor/ is missing: run python3 scripts/vendor.py")
                    return 1
                if number:
                    results.append(result)
                    print(f"round {number}: worker start {result['workerStart']:6.1f} ms, "
                          f"tokenizer ready {result['ready']:6.1f} ms after it; "
                          f"40,000 characters {result['answer'][1]:5.1f} ms, "
                          f"Japanese prompt {result['japanese'][1]:4.1f} ms")
        finally:
            ctx.close()

    def median(pick):
        return statistics.median(pick(r) for r in results)

    print()
    print(f"{rounds} cold starts (worker stopped, offscreen document closed), medians:")
    print(f"  worker start to its code running:        {median(lambda r: r['workerStart']):6.1f} ms"
          " (the worker itself loads no tokenizer)")
    print(f"  worker start to tokenizer ready:         {median(lambda r: r['ready']):6.1f} ms"
          " (offscreen document made, o200k module loaded, first answer)")
    print(f"  tokenizer ready, minus worker start:     "
          f"{median(lambda r: r['ready'] - r['workerStart']):6.1f} ms")
    print(f"  count a 40,000-character answer:         {median(lambda r: r['answer'][1]):6.1f} ms"
          f" ({results[0]['answer'][0]:,} tokens)")
    tokens, _, chars = results[0]["japanese"]
    print(f"  count a {chars}-character Japanese prompt:   "
          f"{median(lambda r: r['japanese'][1]):6.1f} ms"
          f" ({tokens} tokens; characters / 4 says {-(-chars // 4)})")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--extension", type=Path, default=EXTENSION,
                        help="the unpacked extension to measure (default: extension/)")
    args = parser.parse_args()
    sys.exit(run(args.rounds, args.extension.resolve()))


if __name__ == "__main__":
    main()
