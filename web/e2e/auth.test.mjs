// Browser tests of signing in and out, what each role sees, and the admin pages (users, API
// tokens, audit log, host approval), against the real `vpt all` binary with authentication on;
// and one server started with authentication off.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  USERS,
  apiFetch,
  eventually,
  getJson,
  launchBrowser,
  loginThroughPage,
  logsOnFailure,
  screenshot,
  startVpt,
} from './harness.mjs';

let vpt;
let browser;

/** On failure, a test prints what the binary logged. */
const withVptLogs = logsOnFailure(() => vpt);

/** A fresh browser profile: no cookie, so nobody is signed in. */
function newContext() {
  return browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
}

async function assertNoRawJson(page) {
  const text = await page.locator('body').innerText();
  assert.ok(!text.includes('{"'), 'no raw JSON is shown');
}

async function simHost() {
  return eventually('a host with device sim1 in /api/hosts', async () => {
    const hosts = await getJson(`${vpt.url}/api/hosts`);
    return hosts.find((h) => h.devices?.some((d) => d.id === 'sim1')) ?? null;
  });
}

describe('signing in, roles and the admin pages', { timeout: 240_000 }, () => {
  before(async () => {
    vpt = await startVpt();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await vpt?.stop();
  });

  test(
    'a wrong password is refused with a clear error; signing in returns to the page asked for',
    withVptLogs(async () => {
      const context = await newContext();
      const page = await context.newPage();
      try {
        await page.goto(`${vpt.url}/runs`);
        await page.getByTestId('login-name').waitFor({ timeout: 15_000 });
        assert.equal(new URL(page.url()).pathname, '/login');
        assert.equal(new URL(page.url()).searchParams.get('next'), '/runs');
        assert.equal(await page.locator('.sidebar').count(), 0, 'nothing of the app shows before signing in');
        await screenshot(page, 'login');

        await loginThroughPage(page, 'admin', 'not-the-password');
        const error = page.getByTestId('login-error');
        await error.waitFor();
        assert.equal(await error.innerText(), 'Wrong user name or password.');
        assert.equal(await page.getByTestId('login-password').inputValue(), '', 'the wrong password is cleared');
        await screenshot(page, 'login-wrong-password');

        // A name that failed too often from here is slowed down (never locked), and the page says
        // how long to wait. The free failures go by the API; the page's own tries count too.
        for (let i = 0; i < 4; i++) {
          const res = await context.request.post(`${vpt.url}/api/auth/login`, { data: { name: 'mallory', password: 'guess' } });
          assert.equal(res.status(), 401);
        }
        let slowed = false;
        for (let i = 0; i < 6 && !slowed; i++) {
          await loginThroughPage(page, 'mallory', 'guess');
          await page.getByTestId('login-error').waitFor({ timeout: 10_000 });
          slowed = (await page.getByTestId('login-error').innerText()).includes('Too many failed attempts');
        }
        assert.ok(slowed, 'repeated failures are slowed down');
        assert.match(await page.getByTestId('login-error').innerText(), /try again in \d+ seconds/);

        await loginThroughPage(page, 'admin', USERS.admin.password);
        await page.waitForURL(`${vpt.url}/runs`, { timeout: 15_000 });
        await page.getByTestId('user-name').waitFor();
        assert.equal(await page.getByTestId('user-name').innerText(), 'admin');
        assert.equal(await page.locator('[data-testid="user-menu"] [data-role]').getAttribute('data-role'), 'admin');
        assert.equal(await page.getByTestId('auth-off-banner').count(), 0, 'no auth-off banner while auth is on');
      } finally {
        await context.close();
      }
    }),
  );

  test(
    'a viewer sees tests and devices but no Run button, no remote and no admin pages',
    withVptLogs(async () => {
      const host = await simHost();
      const context = await newContext();
      const page = await context.newPage();
      try {
        await page.goto(`${vpt.url}/tests`);
        await loginThroughPage(page, 'viewer', USERS.viewer.password);
        const rows = page.locator('[data-testid="testcases"] tbody tr');
        await rows.first().waitFor({ timeout: 15_000 });
        assert.ok((await rows.count()) > 0, 'the demo test cases are listed');
        assert.equal(await page.getByTestId('run').count(), 0, 'no Run button in the list');
        assert.equal(await page.getByTestId('new-testcase').count(), 0, 'no New test case button');
        await page.getByTestId('read-only-note').waitFor();
        assert.match(await page.getByTestId('read-only-note').innerText(), /needs the tester role/);

        // A test case page: readable, not runnable or editable.
        await rows.first().locator('a.row-title').click();
        await page.getByTestId('testcase-title').waitFor();
        assert.equal(await page.getByTestId('editor-run').count(), 0, 'no Run button on the test case page');
        assert.equal(await page.getByTestId('save').count(), 0, 'no Save button');
        assert.ok(await page.getByTestId('testcase-name').isDisabled(), 'the fields cannot be changed');

        // The device view: the live picture, no remote, no power buttons, no faults.
        await page.goto(`${vpt.url}/devices/${encodeURIComponent(host.id)}/sim1`);
        await page.getByTestId('watch-only').waitFor({ timeout: 15_000 });
        assert.equal(await page.locator('#remote-title').count(), 0, 'no remote control');
        assert.equal(await page.locator('.remote-key').count(), 0, 'no remote keys');
        assert.equal(await page.getByRole('button', { name: 'Take control' }).count(), 0, 'no control lock');
        assert.equal(await page.getByRole('button', { name: 'Cycle' }).count(), 0, 'no power buttons');
        assert.equal(await page.getByRole('button', { name: 'Select area' }).count(), 0, 'no new references');
        await page.getByTestId('monitor-read-only').waitFor();
        assert.equal(await page.getByTestId('monitor-save').count(), 0, 'monitoring settings cannot be saved');

        // No admin pages: no links, and a friendly refusal when opened by address.
        assert.equal(await page.getByTestId('nav-group-admin').count(), 0, 'no Admin group in the sidebar');
        await page.goto(`${vpt.url}/admin/users`);
        const refusal = page.getByTestId('needs-role');
        await refusal.waitFor();
        assert.equal(await refusal.getAttribute('data-role'), 'admin');
        assert.match(await refusal.innerText(), /needs the admin role/);
        await assertNoRawJson(page);
      } finally {
        await context.close();
      }
    }),
  );

  test(
    'signing out returns to the sign-in page, and the API then answers 401',
    withVptLogs(async () => {
      const context = await newContext();
      await vpt.login(context, 'tester');
      const page = await context.newPage();
      try {
        await page.goto(`${vpt.url}/devices`);
        await page.getByTestId('user-menu').click();
        await page.getByTestId('menu-sign-out').click();
        await page.getByTestId('login-notice').waitFor({ timeout: 10_000 });
        assert.equal(await page.getByTestId('login-notice').innerText(), 'You signed out.');
        assert.equal(new URL(page.url()).pathname, '/login');

        const me = await context.request.get(`${vpt.url}/api/auth/me`);
        assert.equal(me.status(), 401, 'the session cookie no longer works');
        const devices = await context.request.get(`${vpt.url}/api/devices`);
        assert.equal(devices.status(), 401);
        assert.equal((await devices.json()).error, 'unauthenticated');
      } finally {
        await context.close();
      }
    }),
  );

  test(
    'a session ended elsewhere sends the user to sign in again, then back to where they were',
    withVptLogs(async () => {
      const context = await newContext();
      await vpt.login(context, 'tester');
      const page = await context.newPage();
      const newPassword = 'tester-pass-e2e-2';
      try {
        await page.goto(`${vpt.url}/tests`);
        await page.locator('[data-testid="testcases"]').waitFor({ timeout: 15_000 });

        // An admin sets a new password: every session of the tester ends at once.
        const res = await apiFetch(`${vpt.url}/api/users/tester`, {
          method: 'PUT',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ password: newPassword }),
        });
        assert.equal(res.status, 200, await res.text());

        await page.locator('a.nav-link', { hasText: 'Runs' }).click();
        await page.getByTestId('login-notice').waitFor({ timeout: 20_000 });
        assert.match(await page.getByTestId('login-notice').innerText(), /your session ended/i);
        assert.equal(new URL(page.url()).searchParams.get('next'), '/runs');
        await screenshot(page, 'login-session-ended');

        await loginThroughPage(page, 'tester', newPassword);
        await page.waitForURL(`${vpt.url}/runs`, { timeout: 15_000 });

        // Changing one's own password signs out everywhere, here too.
        await page.getByTestId('user-menu').click();
        await page.getByTestId('menu-password').click();
        const dialog = page.getByTestId('password-dialog');
        await dialog.getByTestId('password-current').fill('wrong-current');
        await dialog.getByTestId('password-new').fill(USERS.tester.password);
        await dialog.getByTestId('password-repeat').fill(USERS.tester.password);
        await dialog.getByTestId('password-save').click();
        await dialog.locator('.field-error', { hasText: 'not your current password' }).waitFor();
        await dialog.getByTestId('password-current').fill(newPassword);
        await dialog.getByTestId('password-save').click();
        await page.getByTestId('login-notice').waitFor({ timeout: 10_000 });
        assert.match(await page.getByTestId('login-notice').innerText(), /password was changed/i);
        await loginThroughPage(page, 'tester', USERS.tester.password);
        await page.getByTestId('user-name').waitFor({ timeout: 15_000 });
      } finally {
        await context.close();
      }
    }),
  );

  test(
    'an admin creates a user, sees the last admin protected, and makes an API token shown once',
    withVptLogs(async () => {
      const context = await newContext();
      await vpt.login(context, 'admin');
      const page = await context.newPage();
      try {
        await page.goto(`${vpt.url}/admin/users`);
        await page.locator('[data-testid="users"] tr[data-user="viewer"]').waitFor({ timeout: 15_000 });

        await page.getByTestId('new-user').click();
        const dialog = page.getByTestId('user-dialog');
        await dialog.getByTestId('user-name-input').fill('alice');
        await dialog.getByTestId('user-role-tester').click();
        await dialog.getByTestId('user-password').fill('short');
        await dialog.getByTestId('user-create').click();
        await dialog.locator('.field-error', { hasText: 'At least 8 characters' }).waitFor();
        await dialog.getByTestId('user-password').fill('alice-pass-e2e');
        await dialog.getByTestId('user-create').click();
        const alice = page.locator('tr[data-user="alice"]');
        await alice.waitFor({ timeout: 10_000 });
        assert.equal(await alice.getByTestId('user-role-select').inputValue(), 'tester');
        const stored = await getJson(`${vpt.url}/api/users/alice`);
        assert.equal(stored.role, 'tester');

        // The only admin cannot demote themselves: the server's reason shows in the row.
        await page.locator('tr[data-user="admin"]').getByTestId('user-role-select').selectOption('viewer');
        const rowError = page.getByTestId('user-error');
        await rowError.waitFor({ timeout: 10_000 });
        assert.match(await rowError.innerText(), /last enabled admin/);
        assert.equal((await getJson(`${vpt.url}/api/users/admin`)).role, 'admin');
        assert.ok(await page.locator('tr[data-user="admin"]').getByTestId('user-delete').isDisabled(), 'one cannot delete oneself');
        await assertNoRawJson(page);
        await screenshot(page, 'users');

        // A token: its secret is shown once, then only its prefix.
        await page.getByTestId('user-menu').click();
        await page.getByTestId('menu-tokens').click();
        await page.waitForURL(`${vpt.url}/tokens`);
        await page.getByTestId('new-token').click();
        const tokenDialog = page.getByTestId('token-dialog');
        await tokenDialog.getByTestId('token-name').fill('Nightly CI');
        await tokenDialog.getByTestId('token-role-tester').click();
        await tokenDialog.getByTestId('token-create').click();
        const secretDialog = page.getByTestId('token-secret-dialog');
        await secretDialog.waitFor({ timeout: 10_000 });
        const secret = await secretDialog.getByTestId('token-secret').inputValue();
        assert.match(secret, /^vpt_[0-9a-f]{64}$/);
        assert.match(await secretDialog.innerText(), /only time it is shown/);
        await screenshot(page, 'token-created');

        const asToken = await fetch(`${vpt.url}/api/auth/me`, { headers: { Authorization: `Bearer ${secret}` } });
        assert.equal(asToken.status, 200);
        const me = await asToken.json();
        assert.deepEqual([me.name, me.role, me.via], ['admin', 'tester', 'token']);

        await secretDialog.getByTestId('token-done').click();
        const row = page.locator('tr[data-token="Nightly CI"]');
        await row.waitFor();
        assert.ok(!(await page.locator('body').innerText()).includes(secret), 'the secret is not shown again');
        assert.match(await row.innerText(), new RegExp(`${secret.slice(0, 12)}…`));
        await screenshot(page, 'tokens');

        await row.getByTestId('token-revoke').click();
        await page.getByTestId('confirm').click();
        await eventually('the token to stop working', async () => {
          const res = await fetch(`${vpt.url}/api/auth/me`, { headers: { Authorization: `Bearer ${secret}` } });
          return res.status === 401;
        });
        await row.waitFor({ state: 'detached', timeout: 10_000 });
      } finally {
        await context.close();
      }
    }),
  );

  test(
    'the audit log lists sign-ins in words, and filters them',
    withVptLogs(async () => {
      const context = await newContext();
      await vpt.login(context, 'admin');
      const page = await context.newPage();
      try {
        await page.goto(`${vpt.url}/admin/audit`);
        const table = page.getByTestId('audit');
        await table.waitFor({ timeout: 15_000 });
        const login = table.locator('tr[data-action="auth.login"][data-user="viewer"]').first();
        await login.waitFor();
        assert.match(await login.innerText(), /Signed in/);
        assert.match(await login.innerText(), /127\.0\.0\.1/);
        const refused = table.locator('tr[data-action="auth.login_failed"]');
        await refused.filter({ hasText: 'wrong name or password' }).first().waitFor();
        await refused.filter({ hasText: 'mallory' }).filter({ hasText: 'further tries slowed' }).first().waitFor();
        await assertNoRawJson(page);
        await screenshot(page, 'audit');

        await page.getByTestId('filter-action').selectOption('user.');
        await eventually('only user changes to be listed', async () => {
          const actions = await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));
          return actions.length > 0 && actions.every((a) => a.startsWith('user.'));
        });
        assert.match(new URL(page.url()).search, /action=user\./, 'the filter is kept in the address');
      } finally {
        await context.close();
      }
    }),
  );

  test(
    'the Hosts page lists the sim host, approved automatically, with Revoke',
    withVptLogs(async () => {
      const host = await simHost();
      const context = await newContext();
      await vpt.login(context, 'admin');
      const page = await context.newPage();
      try {
        await page.goto(`${vpt.url}/admin/hosts`);
        const row = page.locator(`tr[data-host="${host.name}"]`);
        await row.waitFor({ timeout: 15_000 });
        assert.equal(await row.getAttribute('data-status'), 'approved');
        assert.match(await row.innerText(), /Approved/);
        assert.match(await row.innerText(), /automatically/);
        assert.equal(await row.getByTestId('host-revoke').count(), 1);
        await page.getByTestId('no-waiting').waitFor();
        assert.equal(await page.getByTestId('nav-badge-pending-hosts').count(), 0, 'no host waits, so no badge');
        await assertNoRawJson(page);
        await screenshot(page, 'hosts');

        // A tester has no host administration.
        const testerContext = await newContext();
        await vpt.login(testerContext, 'tester');
        const testerPage = await testerContext.newPage();
        await testerPage.goto(`${vpt.url}/admin/hosts`);
        await testerPage.getByTestId('needs-role').waitFor({ timeout: 15_000 });
        assert.equal(await testerPage.getByTestId('nav-group-admin').count(), 0);
        await testerContext.close();
      } finally {
        await context.close();
      }
    }),
  );
});

describe('a host that waits for approval', { timeout: 120_000 }, () => {
  let strict;

  before(async () => {
    // No host is approved without an admin: the sim host of `vpt all` waits.
    strict = await startVpt({ env: { VPT_AUTH__AUTO_APPROVE_HOSTS: 'never' } });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await strict?.stop();
  });

  test('is counted for admins, approved live, then revoked after a confirmation', async () => {
    const context = await newContext();
    await strict.login(context, 'admin');
    const page = await context.newPage();
    try {
      await page.goto(`${strict.url}/`);
      const notice = page.getByTestId('pending-hosts-notice');
      await notice.waitFor({ timeout: 20_000 });
      assert.match(await notice.innerText(), /1 host is waiting for approval/);
      assert.equal(await page.getByTestId('nav-badge-pending-hosts').innerText(), '1');
      assert.equal((await getJson(`${strict.url}/api/hosts`)).length, 0, 'the waiting host has not joined');

      await notice.getByRole('link', { name: 'Review on the Hosts page' }).click();
      const row = page.locator('[data-testid="hosts-waiting"] tr[data-status="pending"]');
      await row.waitFor({ timeout: 10_000 });
      const name = await row.getAttribute('data-host');
      await screenshot(page, 'hosts-waiting');
      await row.getByTestId('host-approve').click();

      const approved = page.locator(`[data-testid="hosts-decided"] tr[data-host="${name}"][data-status="approved"]`);
      await approved.waitFor({ timeout: 10_000 });
      assert.match(await approved.innerText(), /by admin/);
      await page.getByTestId('no-waiting').waitFor();
      assert.equal(await page.getByTestId('nav-badge-pending-hosts').count(), 0);
      await eventually('the approved host to join', async () => {
        const hosts = await getJson(`${strict.url}/api/hosts`);
        return hosts.some((h) => h.name === name && h.status === 'online');
      }, 20_000);

      await approved.getByTestId('host-revoke').click();
      const confirm = page.getByTestId('confirm-dialog');
      assert.match(await confirm.innerText(), /link is cut now/);
      await confirm.getByTestId('confirm').click();
      await page.locator(`tr[data-host="${name}"][data-status="revoked"]`).waitFor({ timeout: 10_000 });
      await eventually('the revoked host to be cut off', async () => {
        const hosts = await getJson(`${strict.url}/api/hosts`);
        return hosts.every((h) => h.name !== name || h.status === 'offline');
      }, 20_000);
      await assertNoRawJson(page);
    } finally {
      await context.close();
    }
  });

  test('the sign-in page says so when the server does not answer', async () => {
    const context = await newContext();
    const page = await context.newPage();
    try {
      await page.goto(`${strict.url}/login`);
      await page.getByTestId('login-name').waitFor({ timeout: 15_000 });
      await strict.stop();
      await loginThroughPage(page, 'admin', USERS.admin.password);
      await page.getByTestId('login-error').waitFor({ timeout: 10_000 });
      assert.match(await page.getByTestId('login-error').innerText(), /does not answer/);
    } finally {
      await context.close();
    }
  });
});

describe('a server with authentication off', { timeout: 120_000 }, () => {
  let open;

  before(async () => {
    open = await startVpt({ env: { VPT_AUTH__ENABLED: 'false' } });
    browser = await launchBrowser();
  });

  after(async () => {
    await open?.stop();
    await browser?.close();
  });

  test('shows every page without signing in, under a banner that says auth is off', async () => {
    const context = await newContext();
    const page = await context.newPage();
    try {
      await page.goto(`${open.url}/login`);
      const banner = page.getByTestId('auth-off-banner');
      await banner.waitFor({ timeout: 15_000 });
      assert.equal(new URL(page.url()).pathname, '/', 'the sign-in page is not used');
      assert.match(await banner.innerText(), /Authentication is off/);
      assert.equal(await page.getByTestId('login-name').count(), 0);
      await page.locator('.host-card').first().waitFor({ timeout: 15_000 });
      await screenshot(page, 'auth-off-banner');

      // Every role's controls are there: the local user is an admin.
      await page.goto(`${open.url}/tests`);
      await page.getByTestId('run').first().waitFor({ timeout: 15_000 });
      await banner.waitFor();
      assert.equal(await page.getByTestId('nav-group-admin').count(), 1);
    } finally {
      await context.close();
    }
  });
});

describe('the first admin replaces the generated password', { timeout: 120_000 }, () => {
  let fresh;
  before(async () => {
    fresh = await startVpt({ users: false });
    browser = await launchBrowser();
  });

  after(async () => {
    await fresh?.stop();
    await browser?.close();
  });

  test('signing in with the generated password shows only the form to choose one', async () => {
    const generated = /created the user `admin` with password (\S+)/.exec(fresh.logs())?.[1];
    assert.ok(generated, 'the generated password is in the log');
    const context = await newContext();
    const page = await context.newPage();
    try {
      await page.goto(`${fresh.url}/runs`);
      await loginThroughPage(page, 'admin', generated);
      const form = page.getByTestId('choose-password');
      await form.waitFor({ timeout: 15_000 });
      assert.equal(await page.locator('.sidebar').count(), 0, 'nothing of the app shows before the change');
      assert.match(await page.getByTestId('choose-password-notice').innerText(), /was generated/);
      // The server refuses the rest meanwhile.
      const refused = await context.request.get(`${fresh.url}/api/users`);
      assert.equal(refused.status(), 403);
      assert.equal((await refused.json()).error, 'password_change_required');

      // A common password is refused with the server's reason, then a good one is taken.
      await form.getByTestId('password-current').fill(generated);
      await form.getByTestId('password-new').fill('password');
      await form.getByTestId('password-repeat').fill('password');
      await page.getByTestId('choose-password-save').click();
      await form.locator('.field-error', { hasText: 'most common' }).waitFor({ timeout: 10_000 });
      await screenshot(page, 'choose-password');
      await form.getByTestId('password-new').fill('first-admin-e2e-1');
      await form.getByTestId('password-repeat').fill('first-admin-e2e-1');
      await page.getByTestId('choose-password-save').click();
      await page.getByTestId('login-notice').filter({ hasText: 'password was changed' }).waitFor({ timeout: 15_000 });
      await loginThroughPage(page, 'admin', 'first-admin-e2e-1');
      await page.waitForURL(`${fresh.url}/runs`, { timeout: 15_000 });
      await page.getByTestId('user-name').waitFor({ timeout: 15_000 });
      assert.equal(await page.getByTestId('user-name').innerText(), 'admin');
    } finally {
      await context.close();
    }
  });
});
