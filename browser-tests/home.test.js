// The home page: the directory's list and search work without JavaScript, the map
// appears with JavaScript, and the page is accessible in both cases.
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

const placeLinks = '#places-list > li a[href*="/lieux/"]';

describe('home page', () => {
  test('is in French by default, with a heading, and passes axe-core', async () => {
    await withPage(browser, 'home-axe', {}, async (page) => {
      await page.goto(url('/'));
      assert.equal(await page.getAttribute('html', 'lang'), 'fr');
      assert.ok((await page.locator('h1').first().innerText()).trim().length > 0, 'the <h1> is empty');
      await page.locator('#map').waitFor({ state: 'attached' });
      await assertAccessible(page, '/ (with JavaScript)');
    });
  });

  test('switches to English with ?lang=en', async () => {
    await withPage(browser, 'home-lang-en', {}, async (page) => {
      await page.goto(url('/?lang=en'));
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
    });
  });

  test('without JavaScript shows the list of places and passes axe-core', async () => {
    await withPage(browser, 'home-nojs-list', { javaScriptEnabled: false }, async (page) => {
      await page.goto(url('/'));
      const count = await page.locator(placeLinks).count();
      assert.ok(count > 0, 'no place links in #places-list without JavaScript');
      await assertAccessible(page, '/ (without JavaScript)');
    });
  });

  test('without JavaScript the search form filters the list and keeps its state in the URL', async () => {
    await withPage(browser, 'home-nojs-search', { javaScriptEnabled: false }, async (page) => {
      await page.goto(url('/'));
      const form = page.locator('form:has(input[name="q"])');
      assert.equal(await form.count(), 1, 'expected one form with an input named q');
      const method = (await form.getAttribute('method')) ?? 'get';
      assert.equal(method.toLowerCase(), 'get', 'the search form must use GET so results can be linked');
      assert.equal(await form.locator('select[name="type"]').count(), 1, 'no <select name="type"> in the search form');
      assert.equal(
        await form.locator('select[name="departement"]').count(),
        1,
        'no <select name="departement"> in the search form',
      );

      await form.locator('input[name="q"]').fill('fablab');
      await Promise.all([page.waitForURL(/[?&]q=fablab(&|$)/), form.locator('input[name="q"]').press('Enter')]);

      assert.match(page.url(), /[?&]q=fablab(&|$)/);
      assert.equal(await page.inputValue('input[name="q"]'), 'fablab', 'the results page forgot the query');
      const count = await page.locator(placeLinks).count();
      assert.ok(count > 0, 'searching "fablab" found no place in the demo network');
    });
  });

  test('with JavaScript draws the places on the map within 10 seconds', async () => {
    await withPage(browser, 'home-map', {}, async (page) => {
      await page.goto(url('/'));
      await page.locator('#map.leaflet-container').waitFor({ state: 'visible', timeout: 10_000 });
      await page
        .locator('#map .leaflet-marker-icon, #map .marker-cluster')
        .first()
        .waitFor({ state: 'visible', timeout: 10_000 });
    });
  });
});

describe('home page, keyboard and time filter', () => {
  test('the first stops of the keyboard reach the list of places', async () => {
    await withPage(browser, 'home-skip', {}, async (page) => {
      await page.goto(url('/'));
      let reached = false;
      for (let i = 0; i < 10 && !reached; i++) {
        await page.keyboard.press('Tab');
        reached = await page.evaluate(() => document.activeElement?.getAttribute('href') === '#list-title');
      }
      assert.ok(reached, 'no link to the list within the first 10 stops');
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'list-title', 'the list did not take the focus');
      await page.keyboard.press('Tab');
      assert.ok(await page.evaluate(() => !!document.activeElement?.closest('#places-list, .list-panel')), 'Tab after the skip does not go into the list');
    });
  });

  test('"open on" keeps the day and time chosen and the zoom buttons speak French', async () => {
    await withPage(browser, 'home-open-at', {}, async (page) => {
      await page.goto(url('/'));
      await page.fill('#f-open_at', '2026-12-14T10:30');
      await Promise.all([page.waitForURL(/open_at=2026-12-14T10%3A30/), page.locator('form.filters button[type="submit"]').click()]);
      assert.equal(await page.inputValue('#f-open_at'), '2026-12-14T10:30');
      await page.locator('#map.leaflet-container').waitFor({ state: 'visible', timeout: 10_000 });
      assert.equal(await page.locator('.leaflet-control-zoom-in').getAttribute('title'), 'Zoomer');
      await assertAccessible(page, '/?open_at=…');
    });
  });
});
