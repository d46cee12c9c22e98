// Contribution and moderation, on the demo: a signed-in person proposes an edit of a place
// they do not answer for, an administrator applies it from the moderation queue, and the
// place's page shows it; a visitor reports a problem. Each page is checked with axe-core.
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

async function signIn(page, email) {
  await page.goto(url('/connexion'));
  await page.fill('input[name="email"]', email);
  await page.fill('input[type="password"]', 'demo-maillage');
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith('/connexion')),
    page.locator('form button[type="submit"]').first().click(),
  ]);
}

describe('moderation', () => {
  test('a proposed edit is applied from the queue and shows on the place', async () => {
    const summary = `Ateliers ouverts le mercredi (${Date.now()})`;
    let placeHref;
    await withPage(browser, 'moderation-propose', {}, async (page) => {
      await signIn(page, 'coordination.tiers-lieux-educatifs@demo.maillage.example');
      // The first place of the list this person does not answer for.
      await page.goto(url('/?type=library'));
      const links = await page.locator('#places-list > li a[href*="/lieux/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      for (const href of links) {
        await page.goto(url(href));
        if ((await page.locator(`a[href="${href}/proposer"]`).count()) > 0) {
          placeHref = href;
          break;
        }
      }
      assert.ok(placeHref, 'no place to propose an edit of');
      await page.locator(`a[href="${placeHref}/proposer"]`).click();
      await page.waitForURL(/\/proposer$/);
      await assertAccessible(page, `${placeHref}/proposer`);
      await page.fill('#f-summary', summary);
      await page.fill('#f-message', 'Vu sur place');
      await Promise.all([page.waitForURL(/envoye=proposition/), page.locator('form.place-form button[type="submit"]').click()]);
      assert.match(await page.locator('p.notice[role="status"]').innerText(), /proposition est transmise/);
    });
    await withPage(browser, 'moderation-apply', {}, async (page) => {
      await signIn(page, 'admin@demo.maillage.example');
      await Promise.all([page.waitForURL(/\/moderation$/), page.locator('header nav a[href="/moderation"]').click()]);
      await assertAccessible(page, '/moderation');
      const item = page.locator('#propositions + ul.pending > li', { hasText: summary });
      assert.equal(await item.count(), 1, 'the proposal is not in the queue');
      assert.match(await item.innerText(), /Vu sur place/);
      const rows = await item.locator("tbody tr th").allInnerTexts();
      assert.deepEqual(rows, ["Présentation en une phrase"], "only the summary changed");
      await Promise.all([page.waitForLoadState('load'), item.locator('button[value="accept"]').click()]);
      assert.equal(await page.locator('#propositions + ul.pending > li', { hasText: summary }).count(), 0);
      await page.goto(url(placeHref));
      assert.equal(await page.locator('p.summary').innerText(), summary);
    });
  });

  test('a visitor reports a problem; a refused report keeps the message', async () => {
    await withPage(browser, 'moderation-report', { javaScriptEnabled: false }, async (page) => {
      await page.goto(url('/'));
      const href = await page.locator('#places-list > li a[href*="/lieux/"]').first().getAttribute('href');
      await page.goto(url(`${href}/signaler`));
      await assertAccessible(page, `${href}/signaler`);
      await page.fill('#f-message', 'Le lieu a déménagé rue Victor-Hugo');
      await page.locator('form.stacked button[type="submit"]').click();
      await page.waitForLoadState('load');
      assert.equal(await page.inputValue('#f-message'), 'Le lieu a déménagé rue Victor-Hugo', 'the message was lost');
      assert.ok(await page.locator('#err-kind').isVisible(), 'the missing choice is not named');
      await page.locator('#f-kind-address').check();
      await Promise.all([page.waitForURL(/envoye=signalement/), page.locator('form.stacked button[type="submit"]').click()]);
      assert.match(await page.locator('p.notice[role="status"]').innerText(), /signalement est transmis/);
    });
  });

  test('two records of one place are merged and the networks of both stay on the kept one', async () => {
    await withPage(browser, 'moderation-merge', {}, async (page) => {
      await signIn(page, 'admin@demo.maillage.example');
      await page.goto(url('/moderation'));
      const pair = page.locator('#doublons + ul.pending > li').first();
      assert.equal(await pair.count(), 1, 'the demo has no potential duplicate');
      const [a, b] = await pair.locator('.pair h3 a').evaluateAll((as) => as.map((x) => x.getAttribute('href')));
      const networksOf = async (href) => {
        await page.goto(url(href));
        return page.locator('ul.place-networks > li > a').evaluateAll((as) => as.map((x) => x.getAttribute('href')));
      };
      const before = new Set([...(await networksOf(a)), ...(await networksOf(b))]);
      await page.goto(url('/moderation'));
      await Promise.all([
        page.waitForURL(/\/moderation\/fusion/),
        page.locator('#doublons + ul.pending > li').first().locator('a[href^="/moderation/fusion"]').click(),
      ]);
      await assertAccessible(page, '/moderation/fusion');
      await Promise.all([page.waitForURL((u) => u.pathname === a), page.locator('form.stacked button[type="submit"]').click()]);
      const after = new Set(await page.locator('ul.place-networks > li > a').evaluateAll((as) => as.map((x) => x.getAttribute('href'))));
      for (const n of before) assert.ok(after.has(n), `the network ${n} was lost in the merge`);
      const old = await page.goto(url(b));
      assert.equal(new URL(old.url()).pathname, a, 'the merged record does not lead to the kept one');
    });
  });
});
