// Drives firefox-esr with the extension installed as a temporary add-on (puppeteer-core):
// pairs through the server's connect page, has one session on the ChatGPT fixture page
// served under chatgpt.com, then closes the tab. Run by test_firefox.py, which checks
// what reached the server.
//
//   node firefox_session.cjs EXTENSION_DIR SERVER_URL LOGIN_LINK FIXTURE_HTML PROFILE_DIR
// LOGIN_LINK is a single-use dashboard link, as `candor open` makes.
// PUPPETEER_DIR names the node_modules folder that holds puppeteer-core.
// TITLE_JSON, if set, is the page's title as a JSON string (it may hold what an environment
// variable cannot, such as a lone surrogate); titles are then turned on in the settings.
//
// The server runs on any free port. WebDriver may not open extension pages in Firefox, so
// the popup's "Pair with Candor at …?" can't be answered here: the extension is set up, in
// its storage before Firefox starts, as paired before with that server (a token since
// rotated), so its Connect page pairs again without asking. With ASK_ONLY=1 the extension
// is a fresh install instead: the script stops once the Connect page says the popup asks,
// and prints the page's code for the test to check it was not traded.

const path = require("node:path");
const fs = require("node:fs");
const puppeteer = require(path.join(process.env.PUPPETEER_DIR, "puppeteer-core"));

const [extensionDir, serverUrl, loginLink, fixturePath, profileDir] = process.argv.slice(2);
const title = process.env.TITLE_JSON === undefined ? undefined : JSON.parse(process.env.TITLE_JSON);
const askOnly = process.env.ASK_ONLY === "1";
const fixture = fs
  .readFileSync(fixturePath, "utf8")
  .replace("<title>ChatGPT</title>", title === undefined ? "$&" : `$&<script>document.title = ${JSON.stringify(title)};</script>`);
const manifest = JSON.parse(fs.readFileSync(path.join(extensionDir, "manifest.json"), "utf8"));

/** A Firefox profile whose storage.local already holds `settings` for the extension. */
function profileWithSettings(dir, settings) {
  // With the IndexedDB backend off, Firefox keeps an extension's storage.local in this file.
  const data = path.join(dir, "browser-extension-data", manifest.browser_specific_settings.gecko.id);
  fs.mkdirSync(data, { recursive: true });
  fs.writeFileSync(path.join(data, "storage.js"), JSON.stringify({ settings }));
  return dir;
}

async function main() {
  const browser = await puppeteer.launch({
    browser: "firefox",
    executablePath: "/usr/bin/firefox-esr",
    headless: true,
    userDataDir: profileWithSettings(
      profileDir,
      askOnly ? {} : { serverUrl, token: "a-token-since-rotated", ...(title === undefined ? {} : { sendTitle: true }) },
    ),
    extraPrefsFirefox: { "extensions.webextensions.ExtensionStorageIDB.enabled": false },
  });
  try {
    await browser.installExtension(extensionDir);
    const pairing = await browser.newPage();
    await pairing.goto(loginLink);
    await pairing.goto(`${serverUrl}/connect`);
    if (askOnly) {
      await pairing.waitForSelector('html[data-candor-pairing="confirm"]', { timeout: 15_000 });
      const code = await pairing.$eval('meta[name="candor-pairing-code"]', (meta) => meta.content);
      const status = await pairing.$eval("#pairing-status", (p) => p.textContent);
      console.log(JSON.stringify({ code, status }));
      return;
    }
    await pairing.waitForSelector('html[data-candor-pairing="paired"]', { timeout: 15_000 });
    await pairing.close();

    const page = await browser.newPage();
    await page.setRequestInterception(true);
    page.on("request", (request) => {
      if (request.url().startsWith("https://chatgpt.com/")) {
        request.respond({ status: 200, contentType: "text/html; charset=utf-8", body: fixture });
      } else {
        request.continue();
      }
    });
    await page.goto("https://chatgpt.com/");
    await page.waitForSelector("div#prompt-textarea");
    await page.click("div#prompt-textarea");
    await page.keyboard.type(process.env.PROMPT ?? "A question asked in Firefox");
    await page.click('[data-testid="send-button"]');
    await page.waitForSelector('body[data-streamed="1"]', { timeout: 15_000 });
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // the extension's last look
    await page.click('article:has([data-message-author-role="assistant"]) [data-testid="copy-turn-action-button"]');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await page.close(); // the session ends; the extension syncs it
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    console.log("session done");
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
