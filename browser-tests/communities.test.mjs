// Communities of practice, on the demo: the list and its filters, a community's page with
// its profile and feed (also without JavaScript), and a person joining an open community
// then writing in its feed, each page checked with axe-core.
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

async function communityHref(page, name) {
  await page.goto(url(`/communautes?q=${encodeURIComponent(name)}`));
  const href = await page.locator('ul.communities h2 a', { hasText: name }).first().getAttribute('href');
  assert.ok(href?.startsWith('/communautes/'), `no link to ${name} in the list`);
  return href;
}

describe('communities', () => {
  test('the list is reached from the navigation, filters by domain and passes axe-core', async () => {
    await withPage(browser, 'communities-list', {}, async (page) => {
      await page.goto(url('/'));
      await Promise.all([
        page.waitForURL(/\/communautes$/),
        page.locator('header nav a[href="/communautes"]').click(),
      ]);
      assert.equal(await page.locator('ul.communities > li').count(), 4, 'the four demo communities');
      await page.locator('select[name="domain"]').selectOption('education');
      await Promise.all([page.waitForURL(/domain=education/), page.locator('form.filters button[type="submit"]').click()]);
      const names = await page.locator('ul.communities h2').allInnerTexts();
      assert.ok(names.includes('Tiers-lieux éducatifs'), names.join(', '));
      assert.ok(!names.includes("Mesure d'impact des tiers-lieux"), 'the filter kept another domain');
      await assertAccessible(page, '/communautes?domain=education');
    });
  });

  test('without JavaScript a community shows its profile, referents and feed', async () => {
    await withPage(browser, 'community-nojs', { javaScriptEnabled: false }, async (page) => {
      const href = await communityHref(page, 'Tiers-lieux éducatifs');
      await page.goto(url(href));
      assert.equal(await page.locator('h1').innerText(), 'Tiers-lieux éducatifs');
      assert.match(await page.locator('dl.facts').innerText(), /Co-conception/);
      assert.ok((await page.locator('#referents + ul li').count()) >= 1, 'no referent listed');
      assert.ok((await page.locator('ol.feed > li').count()) >= 3, 'the feed is empty');
      assert.match(await page.locator('.standing').innerText(), /Connectez-vous pour rejoindre/);
      await assertAccessible(page, `${href} (without JavaScript)`);
    });
  });

  test('a person joins an open community and writes in its feed', async () => {
    await withPage(browser, 'community-join', {}, async (page) => {
      await page.goto(url('/connexion'));
      await page.fill('input[name="email"]', 'coordination.bretagne@demo.maillage.example');
      await page.fill('input[type="password"]', 'demo-maillage');
      await Promise.all([
        page.waitForURL((u) => !u.pathname.startsWith('/connexion')),
        page.locator('form button[type="submit"]').first().click(),
      ]);
      const href = await communityHref(page, 'Fabmanagers et médiation numérique');
      await page.goto(url(href));
      const join = page.locator('.standing button', { hasText: /Rejoindre|Quitter/ });
      if ((await join.innerText()).includes('Rejoindre')) {
        await Promise.all([page.waitForLoadState('load'), join.click()]);
      }
      assert.match(await page.locator('.standing').innerText(), /Vous êtes (membre|référent)/);
      // A publication without a title is refused, its text kept.
      await page.fill('#f-body', 'Un **retour** sur notre atelier');
      await Promise.all([page.waitForLoadState('load'), page.locator('#publier button[type="submit"]').click()]);
      assert.equal(await page.inputValue('#f-body'), 'Un **retour** sur notre atelier', 'the text was lost');
      assert.ok(await page.locator('#err-title').isVisible(), 'the title error is not shown');
      await assertAccessible(page, `${href} (refused publication)`);
      await page.fill('#f-title', 'Atelier de rentrée');
      await Promise.all([page.waitForLoadState('load'), page.locator('#publier button[type="submit"]').click()]);
      const first = page.locator('ol.feed > li').first();
      assert.equal(await first.locator('h3').innerText(), 'Atelier de rentrée');
      assert.equal(await first.locator('strong').innerText(), 'retour');
      await assertAccessible(page, `${href} (member)`);
    });
  });
});
