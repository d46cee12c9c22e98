// Networks of places, on the demo: the list and its filters, a network page with its
// figures, its map and its member places (also without JavaScript), the embeddable map,
// and a coordinator accepting a request from their queue.
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

const BRETAGNE = 'Tiers-lieux de Bretagne';

/** The address of a network's page, found by its name in the list. */
async function networkHref(page, name) {
  await page.goto(url(`/reseaux?q=${encodeURIComponent(name)}`));
  const href = await page.locator('ul.networks h2 a', { hasText: name }).first().getAttribute('href');
  assert.ok(href?.startsWith('/reseaux/'), `no link to ${name} in the list`);
  return href;
}

describe('networks', () => {
  test('the list is reached from the navigation, filters by kind and passes axe-core', async () => {
    await withPage(browser, 'networks-list', {}, async (page) => {
      await page.goto(url('/'));
      await Promise.all([page.waitForURL(/\/reseaux$/), page.locator('header nav a[href="/reseaux"]').click()]);
      assert.equal(await page.getAttribute('html', 'lang'), 'fr');
      const all = await page.locator('ul.networks > li').count();
      assert.ok(all >= 20, `only ${all} networks in the demo list`);
      await page.locator('select[name="kind"]').selectOption('regional');
      await Promise.all([page.waitForURL(/kind=regional/), page.locator('form.filters button[type="submit"]').click()]);
      assert.equal(await page.locator('ul.networks > li').count(), 13, 'the 13 metropolitan regional networks');
      assert.match(await page.locator('p.count').innerText(), /^13 réseaux/);
      await assertAccessible(page, '/reseaux?kind=regional');
    });
  });

  test('a regional network shows its figures, its map and its places, and passes axe-core', async () => {
    await withPage(browser, 'network-page', {}, async (page) => {
      const href = await networkHref(page, BRETAGNE);
      await page.goto(url(href));
      assert.equal(await page.locator('h1').innerText(), BRETAGNE);
      // Its place in the tree, above it.
      assert.match(await page.locator('nav.breadcrumb').innerText(), /Réseau national des tiers-lieux/);
      assert.match(await page.locator('p.figure').innerText(), /habitants/);
      assert.ok((await page.locator('svg[aria-labelledby="types-title"] rect').count()) > 0, 'no chart of types');
      const departements = await page.locator('table.figures tbody tr').first().innerText();
      assert.match(departements, /Finistère|Ille-et-Vilaine|Morbihan|Côtes-d'Armor/);
      await page.locator('#map.leaflet-container').waitFor({ state: 'visible', timeout: 10_000 });
      await page
        .locator('#map .leaflet-marker-icon, #map .marker-cluster')
        .first()
        .waitFor({ state: 'visible', timeout: 10_000 });
      assert.ok((await page.locator('ol.places > li').count()) > 0, 'no member places listed');
      await assertAccessible(page, `${href} (with JavaScript)`);
    });
  });

  test('without JavaScript a network page lists its places and says the map needs JavaScript', async () => {
    await withPage(browser, 'network-page-nojs', { javaScriptEnabled: false }, async (page) => {
      const href = await networkHref(page, BRETAGNE);
      await page.goto(url(href));
      const places = page.locator('ol.places > li h4 a[href^="/lieux/"]');
      assert.ok((await places.count()) > 0, 'no member places without JavaScript');
      assert.ok(await page.locator('#map .map-fallback').isVisible(), 'the map fallback is hidden');
      // The radius form works as a plain GET form.
      await page.locator('select[name="rayon"]').selectOption('20');
      await Promise.all([page.waitForURL(/rayon=20/), page.locator('form.inline-form button').click()]);
      assert.match(await page.locator('p.figure').innerText(), /20\s?km/);
      await assertAccessible(page, `${href} (without JavaScript)`);
    });
  });

  test('the national network lists its regional sub-networks with their places', async () => {
    await withPage(browser, 'network-national', { javaScriptEnabled: false }, async (page) => {
      const href = await networkHref(page, 'Réseau national des tiers-lieux');
      await page.goto(url(href));
      const subs = page.locator('aside ul li', { has: page.locator('a[href^="/reseaux/"]') });
      assert.ok((await subs.count()) >= 13, 'the regional networks are listed under the national one');
      assert.match(await subs.filter({ hasText: BRETAGNE }).innerText(), /\d+ lieux/);
    });
  });

  test('the embeddable map may be framed, shows the places and passes axe-core', async () => {
    await withPage(browser, 'network-embed', {}, async (page) => {
      const href = await networkHref(page, BRETAGNE);
      const response = await page.goto(url(`${href}/carte`));
      const csp = response.headers()['content-security-policy'] ?? '';
      assert.doesNotMatch(csp, /frame-ancestors 'none'/, 'the embed refuses to be framed');
      assert.equal(response.headers()['x-frame-options'], undefined, 'X-Frame-Options forbids framing');
      await page.locator('#map.leaflet-container').waitFor({ state: 'visible', timeout: 10_000 });
      assert.ok((await page.locator('ol.embed-list > li').count()) > 0, 'no places under the map');
      const title = page.locator('h1.embed-title a');
      assert.equal(await title.getAttribute('target'), '_blank', 'links leave the frame');
      await assertAccessible(page, `${href}/carte`);
    });
  });

  test('a coordinator signs in, finds the queue of requests and accepts one', async () => {
    await withPage(browser, 'network-decide', {}, async (page) => {
      await page.goto(url('/connexion'));
      await page.fill('input[name="email"]', 'coordination.bretagne@demo.maillage.example');
      await page.fill('input[type="password"]', 'demo-maillage');
      await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/connexion')), page.locator('form button[type="submit"]').first().click()]);
      const href = await networkHref(page, BRETAGNE);
      await page.goto(url(href));
      const queue = page.locator('#membres ul.pending > li');
      const before = await queue.count();
      assert.ok(before > 0, 'the demo coordinator has no request to decide');
      const request = queue.filter({ has: page.locator('button[value="accept"]') }).first();
      const name = await request.locator('a').first().innerText();
      await request.locator('input[name="message"]').fill('Bienvenue dans le réseau');
      await Promise.all([page.waitForLoadState('load'), request.locator('button[value="accept"]').click()]);
      await page.waitForURL((u) => u.pathname === href);
      assert.equal(await page.locator('#membres ul.pending > li').count(), before - 1, 'the request is still waiting');
      await assertAccessible(page, `${href} (coordinator)`);
      // Another région's page has no queue for them.
      const other = await networkHref(page, 'Tiers-lieux de Normandie');
      await page.goto(url(other));
      assert.equal(await page.locator('#membres').count(), 0, `${name}'s coordinator sees Normandy's queue`);
    });
  });
});
