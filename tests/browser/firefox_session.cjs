// Drives firefox-esr with the extension installed as a temporary add-on (puppeteer-core):
// pairs through the server's connect page, has one session on the ChatGPT fixture page
// served under chatgpt.com, then closes the tab. Run by test_firefox.py, which checks
// what reached the server.
//
//   node firefox_session.cjs EXTENSION_DIR SERVER_URL TOKEN FIXTURE_HTML
// PUPPETEER_DIR names the node_modules folder that holds puppeteer-core.

const path = require("node:path");
const fs = require("node:fs");
const puppeteer = require(path.join(process.env.PUPPETEER_DIR, "puppeteer-core"));

const [extensionDir, serverUrl, token, fixturePath] = process.argv.slice(2);
const fixture = fs.readFileSync(fixturePath, "utf8");

async function main() {
  const browser = await puppeteer.launch({ browser: "firefox", executablePath: "/usr/bin/firefox-esr", headless: true });
  try {
    await browser.installExtension(extensionDir);
    const pairing = await browser.newPage();
    await pairing.goto(`${serverUrl}/?token=${token}`);
    await pairing.goto(`${serverUrl}/connect`);
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
