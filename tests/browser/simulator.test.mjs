// The WhatsApp simulator in headless Chromium: a citizen files a report by tapping
// through the page, attaching a real photo, and gets a reference code. The server is
// the real `satark serve` binary (SATARK_BIN), on a free port with its own data dir.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const photo = join(here, '..', '..', 'shared', 'media', 'tests', 'fixtures', 'gps.jpg');
let server, browser, page, dataDir, base;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

async function waitForServer(url, ms = 30000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try { if ((await fetch(url)).ok) return; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`satark serve did not answer at ${url}`);
}

before(async () => {
  const bin = process.env.SATARK_BIN;
  assert.ok(bin, 'SATARK_BIN must name the satark binary (scripts/test-all sets it)');
  const port = await freePort();
  dataDir = mkdtempSync(join(tmpdir(), 'satark-sim-'));
  base = `http://127.0.0.1:${port}`;
  server = spawn(bin, ['serve'], {
    env: { ...process.env, SATARK_PORT: String(port), SATARK_DATA_DIR: dataDir, RUST_LOG: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitForServer(`${base}/simulator`);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 420, height: 860 } });
  await page.goto(`${base}/simulator`);
});

after(async () => {
  await browser?.close();
  server?.kill();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** The number of bot bubbles, and a wait until there are more than `n`. */
const botCount = () => page.locator('.msg.bot').count();
async function nextBotMessage(n) {
  await page.waitForFunction((k) => document.querySelectorAll('.msg.bot').length > k, n, { timeout: 15000 });
  return page.locator('.msg.bot').last();
}

async function type(text) {
  const n = await botCount();
  await page.fill('#composer-input', text);
  await page.click('#composer-send');
  return nextBotMessage(n);
}

async function tapButton(title) {
  const n = await botCount();
  await page.locator('.msg.bot').last().locator('.reply-button', { hasText: title }).first().click();
  return nextBotMessage(n);
}

async function pickFromList(rowTitle) {
  const n = await botCount();
  await page.locator('.msg.bot').last().locator('.list-open').click();
  await page.locator('.list-row', { hasText: rowTitle }).first().click();
  await page.click('#list-send');
  return nextBotMessage(n);
}

test('a citizen files a report in the simulator, with a photo', async () => {
  let bot = await type('Hi');
  assert.match(await bot.innerText(), /Choose your language/);
  bot = await tapButton('English');
  assert.match(await bot.innerText(), /What would you like to do/);
  bot = await tapButton('New report');
  bot = await pickFromList('Jaunpur');
  bot = await type('kerakt'); // a typo still finds Kerakat
  assert.match(await bot.innerText(), /What is it about/);
  bot = await pickFromList('Illicit liquor');
  assert.match(await bot.innerText(), /Tell us what happened/);
  bot = await type('Country liquor is distilled in the orchard behind the school every night');
  assert.match(await bot.innerText(), /Received: message \(1 so far\)/);

  const n = await botCount();
  await page.click('#attach');
  const [chooser] = await Promise.all([
    page.waitForEvent('filechooser'),
    page.click('.attach-item[data-kind="photo"]'),
  ]);
  await chooser.setFiles(photo);
  bot = await nextBotMessage(n);
  assert.match(await bot.innerText(), /Received: photo \(2 so far\)/);
  assert.ok(await page.locator('.msg.me').count() >= 6, 'the citizen sees their own messages');

  bot = await tapButton('Done');
  bot = await tapButton('Skip');
  bot = await pickFromList('Today');
  assert.match(await bot.innerText(), /Please check your report/);
  bot = await tapButton('Submit');
  const confirmation = await bot.innerText();
  const code = confirmation.match(/JNP-[0-9A-Z]{5}/);
  assert.ok(code, `a reference code in: ${confirmation}`);

  bot = await type(`status ${code[0]}`);
  assert.match(await bot.innerText(), new RegExp(`${code[0]}: received`));
});

test('an old menu tapped later is recognised as out of date', async () => {
  const n = await botCount();
  await page.locator('.msg.bot .reply-button', { hasText: 'New report' }).first().click();
  const bot = await nextBotMessage(n);
  assert.match(await bot.innerText(), /out of date/);
});
