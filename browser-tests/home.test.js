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
