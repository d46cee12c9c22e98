// A place's page, reached the way a visitor reaches it: from the home page's list.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertAccessible, launchBrowser, url, withPage } from './lib.js';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

async function openFirstPlace(page) {
  await page.goto(url('/'));
  const link = page.locator('#places-list > li a[href*="/lieux/"]').first();
  const href = await link.getAttribute('href');
  assert.ok(href, 'the home page lists no place');
  await Promise.all([page.waitForURL(/\/lieux\/[^/?#]+/), link.click()]);
  return href;
}

function types(node) {
  const t = node?.['@type'];
  return Array.isArray(t) ? t : [t];
}

describe('place page', () => {
  test('has a heading and passes axe-core', async () => {
    await withPage(browser, 'place-axe', {}, async (page) => {
      await openFirstPlace(page);
      assert.ok((await page.locator('h1').first().innerText()).trim().length > 0, 'the <h1> is empty');
      await assertAccessible(page, 'a place page');
    });
  });

  test('describes the place as a schema.org Place in JSON-LD', async () => {
    await withPage(browser, 'place-jsonld', { javaScriptEnabled: false }, async (page) => {
      await openFirstPlace(page);
      const scripts = await page.locator('script[type="application/ld+json"]').allTextContents();
      assert.ok(scripts.length > 0, 'no <script type="application/ld+json"> on the place page');
      const docs = scripts.map((s, i) => {
        try {
          return JSON.parse(s);
        } catch (err) {
          assert.fail(`JSON-LD block ${i} is not valid JSON: ${err.message}\n${s.slice(0, 300)}`);
        }
      });
      const nodes = docs.flatMap((d) => (Array.isArray(d) ? d : d['@graph'] ?? [d]));
      const place = nodes.find((n) => types(n).includes('Place'));
      assert.ok(place, `no node with "@type": "Place" in ${JSON.stringify(docs).slice(0, 300)}`);
      assert.ok(typeof place.name === 'string' && place.name.trim().length > 0, 'the Place has no name');
      const h1 = (await page.locator('h1').first().innerText()).trim();
      assert.ok(h1.includes(place.name.trim()), `the <h1> "${h1}" does not show the JSON-LD name "${place.name}"`);
    });
  });
});
