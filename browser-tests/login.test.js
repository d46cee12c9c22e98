// The sign-in page: accessible, usable with the keyboard alone, and helpful after a
// failed attempt (an announced error, the email kept, the password not echoed back).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertAccessible, describeFocus, launchBrowser, tabUntilFocused, url, withPage } from './lib.js';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

const emailField = 'input[type="email"], input[name="email"]';
const passwordField = 'input[type="password"]';
const submitButton = 'button[type="submit"], input[type="submit"], form button:not([type])';

describe('sign-in page', () => {
  test('passes axe-core', async () => {
    await withPage(browser, 'login-axe', {}, async (page) => {
      await page.goto(url('/connexion'));
      assert.equal(await page.locator(emailField).count(), 1, 'expected one email field');
      await assertAccessible(page, '/connexion');
    });
  });

  test('Tab goes from the email field to the password field to the submit button', async () => {
    await withPage(browser, 'login-keyboard', {}, async (page) => {
      await page.goto(url('/connexion'));
      await tabUntilFocused(page, emailField);
      await page.keyboard.press('Tab');
      assert.ok(
        await page.evaluate((s) => document.activeElement.matches(s), passwordField),
        `after the email field, Tab focused ${await describeFocus(page)} instead of the password field`,
      );
      await page.keyboard.press('Tab');
      assert.ok(
        await page.evaluate((s) => document.activeElement.matches(s), submitButton),
        `after the password field, Tab focused ${await describeFocus(page)} instead of the submit button`,
      );
    });
  });

  test('wrong credentials show an error and keep the typed email', async () => {
    await withPage(browser, 'login-wrong-credentials', {}, async (page) => {
      await page.goto(url('/connexion'));
      const email = 'personne.inconnue@example.org';
      await page.fill(emailField, email);
      await page.fill(passwordField, 'pas-le-bon-mot-de-passe');
      await page.locator(submitButton).first().click();

      // Whether the answer is a new page or a fragment swapped in by htmx, the user
      // must end up with a visible, non-empty alert.
      await page.locator('[role="alert"]').filter({ hasText: /\S/ }).first().waitFor({ state: 'visible' });
      assert.equal(await page.inputValue(emailField), email, 'the typed email was lost');
      assert.equal(await page.inputValue(passwordField), '', 'the password must not be sent back in the page');
    });
  });
});
