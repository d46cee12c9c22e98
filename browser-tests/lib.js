// Shared helpers for the browser tests: launching Debian's Chromium, the server's base
// URL, an axe-core accessibility check, and a page harness that fails a test on what a
// user would suffer without the test noticing (script errors, broken assets, calls to
// other hosts).
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Where the server under test listens, without a trailing slash. */
export const baseUrl = (process.env.MAILLAGE_BASE_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');

/** Builds an absolute URL on the server under test from a path such as `/connexion`. */
export function url(pathAndQuery) {
  return new URL(pathAndQuery, `${baseUrl}/`).href;
}

// Without the background-networking flags Chromium keeps trying to reach Google's
// services, which this machine's closed network refuses, many times at each start.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches the system Chromium (playwright-core never downloads a browser). */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
let axeSource;

/** Formats axe violations so that a failing test says what to fix and where. */
export function formatViolations(violations) {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .slice(0, 5)
        .map((n) => `    - ${n.target.join(' ')}\n      ${n.failureSummary?.replaceAll('\n', '\n      ') ?? ''}`)
        .join('\n');
      const more = v.nodes.length > 5 ? `\n    … and ${v.nodes.length - 5} more` : '';
      return `  [${v.impact}] ${v.id}: ${v.help}\n    ${v.helpUrl}\n${nodes}${more}`;
    })
    .join('\n');
}

/** Runs axe-core (WCAG 2.1 A and AA rules) on the page and fails on any violation. */
export async function assertAccessible(page, label = page.url()) {
  axeSource ??= await readFile(path.join(here, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  // Evaluated through the DevTools protocol rather than added as a <script>: the
  // server's Content-Security-Policy (script-src 'self') rightly refuses inline scripts.
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) {
    await page.evaluate(axeSource);
  }
  // With JavaScript disabled, timers never fire (microtasks still run).
  const timersRun = await Promise.race([
    page.evaluate(() => new Promise((resolve) => setTimeout(() => resolve(true), 0))),
    new Promise((resolve) => setTimeout(() => resolve(false), 1000)),
  ]);
  const noPageScripts = !timersRun;
  const violations = await page.evaluate(
    ({ values, shimTimers }) => {
      if (shimTimers) {
        // axe yields with setTimeout between rules: run its callbacks as microtasks.
        window.setTimeout = (fn, _ms, ...args) => {
          Promise.resolve().then(() => fn(...args));
          return 0;
        };
        window.clearTimeout = () => {};
      }
      return window.axe.run(document, { runOnly: { type: 'tag', values } }).then((r) => r.violations);
    },
    { values: AXE_TAGS, shimTimers: noPageScripts },
  );
  assert.equal(
    violations.length,
    0,
    `axe-core found ${violations.length} accessibility violation(s) on ${label}:\n${formatViolations(violations)}`,
  );
}

/**
 * Runs `fn(page, context)` in a fresh browser context, then fails if the page threw an
 * uncaught script error, had something blocked by its Content-Security-Policy, asked
 * another host for anything (the app must work offline: no CDN, no tiles unless
 * configured), or got an error status for a sub-resource of the server's own (a
 * stylesheet or script missing from the binary, say). On failure a
 * screenshot is saved under browser-tests/artifacts/.
 */
export async function withPage(browser, name, contextOptions, fn) {
  const context = await browser.newContext({ locale: 'fr-FR', ...contextOptions });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems = [];
  const origin = new URL(baseUrl).origin;
  page.on('pageerror', (err) => problems.push(`uncaught script error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && msg.text().includes('Content Security Policy')) {
      problems.push(`blocked by the page's Content-Security-Policy: ${msg.text()}`);
    }
  });
  page.on('request', (req) => {
    const u = new URL(req.url());
    if ((u.protocol === 'http:' || u.protocol === 'https:') && u.origin !== origin) {
      problems.push(`request to another host: ${req.method()} ${req.url()}`);
    }
  });
  page.on('response', (res) => {
    const req = res.request();
    const u = new URL(res.url());
    // Documents may legitimately answer 4xx (a rejected login, say); the test checks
    // those itself. Chromium asks for /favicon.ico on its own, which no page links.
    if (
      u.origin === origin &&
      req.resourceType() !== 'document' &&
      u.pathname !== '/favicon.ico' &&
      res.status() >= 400
    ) {
      problems.push(`HTTP ${res.status()} for ${req.resourceType()} ${res.url()}`);
    }
  });
  try {
    await fn(page, context);
    assert.deepEqual(problems, [], `problems while the page was open:\n  ${problems.join('\n  ')}`);
  } catch (err) {
    const dir = path.join(here, 'artifacts');
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, `${name.replace(/[^a-z0-9]+/gi, '-')}.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => {});
    if (problems.length > 0 && !String(err.message).includes('problems while the page was open')) {
      err.message += `\n(also seen on the page: ${problems.join('; ')})`;
    }
    err.message += `\n(screenshot: ${path.relative(process.cwd(), file)}; page: ${page.url()})`;
    throw err;
  } finally {
    await context.close();
  }
}

/** Presses Tab until `selector` has the focus, at most `maxTabs` times; fails otherwise. */
export async function tabUntilFocused(page, selector, maxTabs = 50) {
  for (let i = 0; i < maxTabs; i += 1) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) {
      return;
    }
  }
  assert.fail(`${selector} never received the focus after ${maxTabs} presses of Tab`);
}

/** A short description of the focused element, for assertion messages. */
export function describeFocus(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return '(nothing focused)';
    const attrs = ['id', 'name', 'type', 'href'].map((a) => (el.getAttribute(a) ? `${a}="${el.getAttribute(a)}"` : '')).filter(Boolean);
    return `<${el.tagName.toLowerCase()} ${attrs.join(' ')}>`;
  });
}
