// Phones: every page reflows at 390 and 320 CSS pixels wide without scrolling sideways
// (WCAG 1.4.10, Reflow; data tables may scroll inside their own box), a few pass axe-core
// at that width, and the API documentation is a page of the site like the others.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertAccessible, launchBrowser, url, withPage } from './lib.js';

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const SMALL = { viewport: { width: 320, height: 640 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

let browser;
/** Found on the demo before the tests: a place, a network, a signed-in session. */
const found = {};

before(async () => {
  browser = await launchBrowser();
  await withPage(browser, 'phones-setup', {}, async (page, context) => {
    await page.goto(url('/'));
    const place = await page.locator('#places-list > li a[href*="/lieux/"]').first().getAttribute('href');
    assert.ok(place?.startsWith('/lieux/'), 'no place in the home list');
    found.place = place.split(/[?#]/)[0];
    await page.goto(url('/reseaux?q=Bretagne'));
    const network = await page.locator('ul.networks h2 a').first().getAttribute('href');
    assert.ok(network?.startsWith('/reseaux/'), 'no network for "Bretagne"');
    found.network = network.split(/[?#]/)[0];
    await page.goto(url('/communautes?q=educatifs'));
    const community = await page.locator('ul.communities h2 a').first().getAttribute('href');
    assert.ok(community?.startsWith('/communautes/'), 'no community for "educatifs"');
    found.community = community.split(/[?#]/)[0];
    await page.goto(url('/connexion'));
    await page.fill('input[name="email"]', 'admin@demo.maillage.example');
    await page.fill('input[type="password"]', 'demo-maillage');
    await Promise.all([
      page.waitForURL((u) => !u.pathname.startsWith('/connexion')),
      page.locator('main form button[type="submit"]').first().click(),
    ]);
    found.signedIn = await context.storageState();
  });
});
after(async () => {
  await browser?.close();
});

/**
 * Fails unless the page is no wider than the window, naming the elements that stick out
 * on the right of the screen (the outermost of each: an element whose parent sticks out
 * too is left out), except inside a box that clips or scrolls its own content.
 */
async function assertNoSidewaysScroll(page, label, width = page.viewportSize().width) {
  const result = await page.evaluate((width) => {
    const describe = (el) => {
      const parts = [];
      for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
        let s = e.tagName.toLowerCase();
        if (e.id) {
          parts.unshift(`${s}#${e.id}`);
          break;
        }
        const classes = [...e.classList].slice(0, 2);
        if (classes.length) s += `.${classes.join('.')}`;
        parts.unshift(s);
      }
      const r = el.getBoundingClientRect();
      return `${parts.join(' > ')} (right edge ${Math.round(r.right)} px, width ${Math.round(r.width)} px)`;
    };
    const clipped = (el) => {
      for (let e = el.parentElement; e && e !== document.documentElement; e = e.parentElement) {
        if (e === document.body) return false;
        const o = getComputedStyle(e).overflowX;
        if (o !== 'visible') return true;
      }
      return false;
    };
    const sticksOut = (el) => {
      const r = el.getBoundingClientRect();
      return (r.width > 0 || r.height > 0) && r.right > width + 1;
    };
    const culprits = [];
    for (const el of document.body.querySelectorAll('*')) {
      if (!sticksOut(el) || clipped(el)) continue;
      if (el.parentElement && el.parentElement !== document.body && sticksOut(el.parentElement)) continue;
      culprits.push(describe(el));
    }
    // Text too long for its box (a long word, an address) overflows it without widening it.
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (!parent || !node.textContent.trim() || clipped(node) || sticksOut(parent)) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      const r = range.getBoundingClientRect();
      if (r.width > 0 && r.right > width + 1) {
        culprits.push(`the text "${node.textContent.trim().slice(0, 40)}" in ${describe(parent)}`);
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, culprits };
  }, width);
  // A phone (isMobile) zooms a page wider than its screen out to fit: innerWidth then
  // grows to the page's width, so both are compared with the screen's width.
  assert.ok(
    result.scrollWidth <= width && result.innerWidth <= width,
    `${label} is ${result.scrollWidth} px wide on a ${width} px screen; sticking out:\n  ${
      result.culprits.slice(0, 15).join('\n  ') || '(no element found)'
    }`,
  );
}

/** Opens `path` (a string, or a function of what was found) and checks its width. */
async function checkPage(name, path, options, { axe = false, status } = {}) {
  const signedIn = options.signedIn;
  const context = { ...options.context, ...(signedIn ? { storageState: found.signedIn } : {}) };
  await withPage(browser, name, context, async (page) => {
    const target = typeof path === 'function' ? path() : path;
    const response = await page.goto(url(target));
    assert.equal(response.status(), status ?? 200, `${target} answered ${response.status()}`);
    // Let the scripts draw what they draw (maps, lists) before measuring.
    await page.waitForLoadState('networkidle').catch(() => {});
    const width = context.viewport.width;
    await assertNoSidewaysScroll(page, `${target} at ${width} px`, width);
    if (axe) await assertAccessible(page, `${target} at ${width} px`);
  });
}

// Every page is checked at 390 and 320 px with JavaScript; `axe` ones pass axe-core at
// 390 px too, `nojs` ones are checked again at 320 px without JavaScript.
const PUBLIC = [
  { name: 'home', path: '/', axe: true, nojs: true },
  { name: 'home-en', path: '/?lang=en' },
  { name: 'place', path: () => found.place, axe: true, nojs: true },
  { name: 'place-history', path: () => `${found.place}/historique` },
  { name: 'territoire', path: '/territoire', nojs: true },
  { name: 'territoire-region', path: '/territoire?territory=region:53', axe: true, nojs: true },
  { name: 'territory-region', path: '/territoires/regions/53', nojs: true },
  { name: 'territory-departement', path: '/territoires/departements/35' },
  { name: 'territory-commune', path: '/territoires/communes/35238' },
  { name: 'networks', path: '/reseaux', nojs: true },
  { name: 'network', path: () => found.network, axe: true, nojs: true },
  { name: 'network-embed', path: () => `${found.network}/carte` },
  { name: 'communities', path: '/communautes', nojs: true },
  { name: 'community', path: () => found.community, axe: true, nojs: true },
  { name: 'report', path: () => `${found.place}/signaler`, nojs: true },
  { name: 'login', path: '/connexion', nojs: true },
  { name: 'reset-request', path: '/mot-de-passe/oubli' },
  { name: 'api-docs', path: '/api/docs/' },
  { name: 'not-found', path: '/nexiste-pas', status: 404, nojs: true },
];

const SIGNED_IN = [
  { name: 'account', path: '/compte', axe: true, nojs: true },
  { name: 'my-places', path: '/mes-lieux' },
  { name: 'import', path: '/admin/import', nojs: true },
  { name: 'new-place', path: '/lieux/nouveau', axe: true, nojs: true },
  { name: 'edit-place', path: () => `${found.place}/modifier`, nojs: true },
  { name: 'new-network', path: '/reseaux/nouveau', nojs: true },
  { name: 'edit-network', path: () => `${found.network}/modifier` },
  { name: 'new-community', path: '/communautes/nouveau', nojs: true },
  { name: 'edit-community', path: () => `${found.community}/modifier` },
  { name: 'moderation', path: '/moderation', axe: true, nojs: true },
  { name: 'propose', path: () => `${found.place}/proposer` },
];

for (const [group, pages, signedIn] of [
  ['public pages', PUBLIC, false],
  ['signed-in pages', SIGNED_IN, true],
]) {
  describe(`${group} on a phone`, () => {
    for (const p of pages) {
      const label = typeof p.path === 'function' ? p.name : p.path;
      test(`${label} does not scroll sideways at 390 px${p.axe ? ' and passes axe-core' : ''}`, async () => {
        await checkPage(`phone-390-${p.name}`, p.path, { context: PHONE, signedIn }, { axe: p.axe, status: p.status });
      });
      test(`${label} does not scroll sideways at 320 px`, async () => {
        await checkPage(`phone-320-${p.name}`, p.path, { context: SMALL, signedIn }, { status: p.status });
      });
    }
  });
}

describe('pages on a phone without JavaScript', () => {
  const pages = [...PUBLIC.map((p) => [p, false]), ...SIGNED_IN.map((p) => [p, true])];
  for (const [p, signedIn] of pages.filter(([q]) => q.nojs)) {
    test(`${typeof p.path === 'function' ? p.name : p.path} does not scroll sideways at 320 px without JavaScript`, async () => {
      const context = { ...SMALL, javaScriptEnabled: false };
      await checkPage(`phone-320-nojs-${p.name}`, p.path, { context, signedIn }, { status: p.status });
    });
  }
});

describe('the API documentation', () => {
  test('is in French, scales on phones, links back to the site and passes axe-core', async () => {
    await withPage(browser, 'api-docs-page', PHONE, async (page) => {
      await page.goto(url('/api/docs/'));
      assert.equal(await page.getAttribute('html', 'lang'), 'fr');
      assert.equal(
        await page.getAttribute('meta[name="viewport"]', 'content'),
        'width=device-width, initial-scale=1',
      );
      const home = page.locator('a[href="/"]').first();
      assert.ok(await home.isVisible(), 'no visible link back to the site');
      assert.equal(await page.locator('main').count(), 1, 'no main landmark');
      // Swagger UI draws the operations from the document.
      await page.locator('.opblock').first().waitFor({ state: 'visible', timeout: 10_000 });
      await assertAccessible(page, '/api/docs/');
      // An operation opened shows its parameters and responses, still accessible.
      await page.locator('.opblock-summary-control').first().click();
      await page.locator('.opblock-body .responses-table').first().waitFor({ state: 'visible' });
      await assertNoSidewaysScroll(page, '/api/docs/ with an operation open');
      await assertAccessible(page, '/api/docs/ with an operation open');
    });
  });

  test('an operation opened at 320 px does not scroll sideways and passes axe-core', async () => {
    await withPage(browser, 'api-docs-320', SMALL, async (page) => {
      await page.goto(url('/api/docs/'));
      // A POST operation: a request body and its schema, the widest part.
      await page.locator('.opblock-post .opblock-summary-control').first().click();
      await page.locator('.opblock-post .opblock-body .responses-table').first().waitFor({ state: 'visible' });
      await assertNoSidewaysScroll(page, '/api/docs/ with a POST operation open at 320 px');
      await assertAccessible(page, '/api/docs/ with a POST operation open at 320 px');
    });
  });
});
