// The Territoire page: maps and charts drawn on the server, so everything works without
// JavaScript; the coverage form gives the white zones; a recommendation shows its sites.
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

describe('Territoire page', () => {
  test('is reached from the navigation, in French, with a map, a legend and a histogram, and passes axe-core', async () => {
    await withPage(browser, 'territoire-axe', {}, async (page) => {
      await page.goto(url('/'));
      await Promise.all([
        page.waitForURL(/\/territoire$/),
        page.locator('header nav a[href="/territoire"]').click(),
      ]);
      assert.equal(await page.getAttribute('html', 'lang'), 'fr');
      assert.match(await page.locator('h1').innerText(), /Territoire/);
      const map = page.locator('svg.choropleth');
      assert.equal(await map.count(), 1, 'no server-drawn map');
      assert.equal(await map.locator('path').count(), 101, 'one shape per département');
      assert.ok((await map.getAttribute('aria-labelledby'))?.includes('map-title'), 'the map has no accessible name');
      assert.ok((await page.locator('ul.legend li').count()) >= 5, 'the legend has five labelled classes');
      assert.equal(await page.locator('svg.chart').count(), 1, 'no distance histogram');
      await assertAccessible(page, '/territoire (with JavaScript)');
    });
  });

  test('gives the map values as a table for people who cannot see the colours', async () => {
    await withPage(browser, 'territoire-table', {}, async (page) => {
      await page.goto(url('/territoire'));
      const details = page.locator('details:has(#map-values)');
      await details.locator('summary').click();
      assert.ok(await page.locator('#map-values').isVisible(), 'the table did not open');
      assert.equal(await page.locator('#map-values tbody tr').count(), 101);
    });
  });

  test('without JavaScript the coverage form keeps its state in the URL and lists the white zones', async () => {
    await withPage(browser, 'territoire-nojs-coverage', { javaScriptEnabled: false }, async (page) => {
      await page.goto(url('/territoire'));
      const form = page.locator('form#analysis-form');
      assert.equal(((await form.getAttribute('method')) ?? 'get').toLowerCase(), 'get');
      await form.locator('select[name="analysis"]').selectOption('coverage');
      await form.locator('input[name="radius_km"]').fill('5');
      await Promise.all([page.waitForURL(/analysis=coverage/), form.locator('button[type="submit"]').click()]);
      assert.match(page.url(), /[?&]radius_km=5(&|$)/);
      assert.equal(await page.inputValue('input[name="radius_km"]'), '5', 'the form forgot the radius');
      const rows = page.locator('#white-zones tbody tr');
      assert.equal(await rows.count(), 50, 'the 50 most populated white zones');
      const caption = await page.locator('#white-zones caption').innerText();
      assert.match(caption, /5,0\s?km/);
      const downloads = page.locator('a[href*="/api/v1/territory/coverage?"]');
      assert.equal(await downloads.count(), 2, 'CSV and GeoJSON downloads');
      await assertAccessible(page, '/territoire coverage (without JavaScript)');
    });
  });

  test('a recommendation lists the chosen sites and numbers them on the map', async () => {
    await withPage(browser, 'territoire-recommend', { javaScriptEnabled: false }, async (page) => {
      await page.goto(url('/territoire?territory=42'));
      const form = page.locator('form#recommend-form');
      await form.locator('select[name="objective"]').selectOption('mclp');
      await form.locator('input[name="k"]').fill('3');
      await form.locator('input[name="rec_radius_km"]').fill('10');
      await Promise.all([page.waitForURL(/objective=mclp/), form.locator('button[type="submit"]').click()]);
      assert.equal(await page.locator('#chosen-sites tbody tr').count(), 3, 'three chosen sites');
      assert.equal(await page.locator('svg.choropleth .site-marker').count(), 3, 'three markers on the map');
      const text = await page.locator('#recommendation').innerText();
      assert.match(text, /borne prouvée/);
      assert.match(text, /de l'optimum|optimale/);
      await assertAccessible(page, '/territoire with a recommendation');
    });
  });

  test('speaks English with ?lang=en and shows field errors without losing what was typed', async () => {
    await withPage(browser, 'territoire-en-error', {}, async (page) => {
      const response = await page.goto(url('/territoire?lang=en&analysis=coverage&radius_km=-2'));
      assert.equal(response.status(), 422);
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      assert.ok(await page.locator('#error-summary a[href="#f-radius_km"]').isVisible(), 'no link to the bad field');
      assert.equal(await page.inputValue('#f-radius_km'), '-2');
      await assertAccessible(page, '/territoire with an error');
    });
  });
});
