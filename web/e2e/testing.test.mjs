// Tests and runs against the real `vpt all` binary with its sim devices and the demo-stb content:
// a test case written in the editor (go to the guide, check its heading) runs on sim1 and its
// report says passed with the step pictures; a test case whose check cannot pass is reported as
// failed on that step; a bad step is refused with the error shown on that step.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiFetch, eventually, getJson, launchBrowser, logsOnFailure, screenshot, startVpt } from './harness.mjs';

let vpt;
let browser;
let context;
let host;

const UI = 'demo-stb';
/** A node of the seeded tree and the reference that proves the device is on it. */
const GOOD = { node: 'guide', reference: 'guide-heading' };
/** A screen that does not show that reference. */
const ELSEWHERE = 'home';
const FINISHED = ['passed', 'failed', 'error', 'cancelled'];

/** On failure, a test prints what the binary logged. */
const withVptLogs = logsOnFailure(() => vpt);

async function api(method, path, body) {
  const res = await apiFetch(`${vpt.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function assertNoRawJson(page) {
  const text = await page.locator('main').innerText();
  assert.ok(!text.includes('{"'), 'no raw JSON is shown');
}

/** Waits for the run page to show a finished run, and returns its status. */
async function finishedStatus(page) {
  const runPage = page.getByTestId('run-page');
  await runPage.waitFor({ timeout: 15_000 });
  return eventually('the run to finish', async () => {
    const status = await runPage.getAttribute('data-status');
    return FINISHED.includes(status) ? status : null;
  }, 120_000, 250);
}

/** Chooses one device in the run dialog and starts the run; resolves on the run page. */
async function runOn(page, deviceId) {
  const dialog = page.getByTestId('run-dialog');
  await dialog.waitFor();
  await dialog.getByTestId('target-mode-device').click();
  await dialog.locator(`[data-device="${host.id}/${deviceId}"]`).click();
  await dialog.getByTestId('run-start').click();
  await page.waitForURL(/\/runs\/\d+$/, { timeout: 15_000 });
  return Number(page.url().split('/').pop());
}

describe('Tests and runs', { timeout: 300_000 }, () => {
  before(async () => {
    vpt = await startVpt();
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
    // Signed in as a tester: everything these tests do is a tester's work.
    await vpt.login(context, 'tester');
    host = await eventually('a host with devices sim1 and sim2', async () => {
      const hosts = await getJson(`${vpt.url}/api/hosts`);
      return hosts.find((h) => h.status === 'online' && ['sim1', 'sim2'].every((id) => h.devices?.some((d) => d.id === id))) ?? null;
    });
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await vpt?.stop();
  });

  test(
    'a test case written in the editor runs on sim1 and its report shows it passed, with pictures',
    withVptLogs(async () => {
      const page = await context.newPage();
      try {
        await page.goto(`${vpt.url}/tests`);
        // The app shows once it knows who is signed in.
        await page.locator('.nav-link').first().waitFor({ timeout: 15_000 });
        const labels = await page.locator('.nav-link span').allInnerTexts();
        assert.ok(labels.includes('Tests') && labels.includes('Runs'), `the sidebar links Tests and Runs (${labels.join(', ')})`);
        // The demo content may already hold test cases: "New test case" is there either way.
        await page.getByTestId('new-testcase').click();
        await page.waitForURL(/\/tests\/new$/);

        await page.getByTestId('testcase-name').fill('Open the guide');
        await eventually('demo-stb chosen', async () => (await page.getByTestId('testcase-ui').inputValue()) === UI);
        await page.getByTestId('testcase-tags').locator('input').fill('smoke');
        await page.getByTestId('testcase-tags').locator('input').press('Enter');

        await page.getByTestId('add-step').getByTestId('add-goto').click();
        const steps = page.getByTestId('step');
        await steps.nth(0).getByTestId('goto-node').selectOption(GOOD.node);

        await page.getByTestId('add-step').getByTestId('add-verify').click();
        const verify = steps.nth(1);
        await verify.getByTestId('add-verification').click();
        await verify.getByTestId('verification-kind').selectOption('image');
        await verify.getByTestId('verification-reference').selectOption(GOOD.reference);

        await page.getByTestId('add-step').getByTestId('add-screenshot').click();
        assert.equal(await steps.count(), 3, 'three steps');
        await page.getByTestId('unsaved').waitFor();
        await screenshot(page, 'testcase-editor');

        // "Save and run" saves the new test case, moves to its page and asks where to run it.
        assert.match(await page.getByTestId('editor-run').innerText(), /Save and run/);
        await page.getByTestId('editor-run').click();
        await page.waitForURL(/\/tests\/\d+/, { timeout: 10_000 });
        const id = Number(new URL(page.url()).pathname.split('/').pop());
        const saved = await getJson(`${vpt.url}/api/testcases/${id}`);
        assert.equal(saved.name, 'Open the guide');
        assert.deepEqual(saved.tags, ['smoke']);
        assert.equal(saved.document.userinterface, UI);
        assert.deepEqual(
          saved.document.steps.map((s) => s.action),
          ['goto', 'verify', 'screenshot'],
        );
        assert.equal(saved.document.steps[1].verifications[0].reference, GOOD.reference);

        const runId = await runOn(page, 'sim1');
        const status = await finishedStatus(page);
        assert.equal(status, 'passed', await page.getByTestId('run-page').innerText());

        const run = await getJson(`${vpt.url}/api/runs/${runId}`);
        assert.equal(run.status, 'passed');
        assert.equal(run.device, 'sim1');
        const summary = page.getByTestId('run-summary');
        assert.match(await summary.innerText(), /Passed/);
        const results = page.getByTestId('report-steps').locator('[data-testid="result"]');
        assert.equal(await results.count(), run.steps.length, 'one card per step result');
        assert.equal(await page.locator('[data-testid="result"][data-status="failed"]').count(), 0, 'no failed step');

        // A picture of a step is shown, and opens large.
        const picture = page.locator('.result-shots img').first();
        await picture.waitFor({ timeout: 10_000 });
        await eventually('a step picture to load', () => picture.evaluate((img) => img.complete && img.naturalWidth > 0));
        await page.getByTestId('download-html').waitFor();
        assert.equal(await page.getByTestId('download-html').getAttribute('href'), `/api/runs/${runId}/report.html`);
        await assertNoRawJson(page);
        await page.evaluate(() => window.scrollTo(0, 0));
        await screenshot(page, 'run-passed');

        await page.locator('.result-shots .shot-button').first().click();
        const lightbox = page.getByTestId('lightbox');
        await lightbox.waitFor();
        await eventually('the large picture to load', () => lightbox.locator('img').evaluate((img) => img.complete && img.naturalWidth > 0));
        await page.keyboard.press('Escape');
        await lightbox.waitFor({ state: 'detached' });

        // The list shows the last run of the test case.
        await page.goto(`${vpt.url}/tests`);
        const row = page.locator('tr[data-testcase="Open the guide"]');
        await row.waitFor();
        assert.match(await row.innerText(), /Passed/);
      } finally {
        await page.close();
      }
    }),
  );

  test(
    'a step that cannot pass is shown as failed, the report opens on it and the steps after it did not run',
    withVptLogs(async () => {
      const created = await api('POST', '/api/testcases', {
        name: 'Guide heading on the home screen',
        userinterface: UI,
        steps: [
          { action: 'goto', node: ELSEWHERE },
          { action: 'verify', verifications: [{ kind: 'image', reference: GOOD.reference, timeout_ms: 1000 }] },
          { action: 'wait', ms: 10 },
        ],
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const page = await context.newPage();
      try {
        await page.goto(`${vpt.url}/tests`);
        const row = page.locator('tr[data-testcase="Guide heading on the home screen"]');
        await row.getByTestId('run').click();
        const runId = await runOn(page, 'sim2');
        const status = await finishedStatus(page);
        assert.equal(status, 'failed', await page.getByTestId('run-page').innerText());

        const run = await getJson(`${vpt.url}/api/runs/${runId}`);
        const failed = run.steps.find((s) => s.status === 'failed');
        assert.ok(failed, 'the run has a failed step');
        const card = page.locator(`[data-testid="result"][data-path="${failed.path}"]`);
        assert.equal(await card.getAttribute('data-status'), 'failed');
        assert.match(await card.getAttribute('class'), /result-bad/, 'the failed step is drawn as failed');
        assert.match(await card.innerText(), /Failed/);
        assert.match(await page.getByTestId('first-failure').innerText(), /step 2/);
        assert.equal(await page.locator('[data-testid="result"][data-status="not_run"]').count(), 1, 'the step after it did not run');
        if (run.reason) assert.equal(await page.getByTestId('run-reason').innerText(), run.reason);
        // The report opened on the failure.
        await eventually('the failed step in view', () =>
          card.evaluate((el) => {
            const r = el.getBoundingClientRect();
            return r.top < window.innerHeight && r.bottom > 0;
          }),
        );
        await assertNoRawJson(page);
        await page.evaluate(() => window.scrollTo(0, 0));
        await screenshot(page, 'run-failed');

        // The history lists both runs; filtering by status keeps the failed one.
        await page.goto(`${vpt.url}/runs`);
        await page.getByTestId('runs').waitFor();
        await page.getByTestId('stats-chart').waitFor();
        assert.ok((await page.locator('[data-testid="runs"] tbody tr').count()) >= 2, 'both runs listed');
        await page.getByTestId('filter-status').selectOption('failed');
        await eventually('only the failed run listed', async () => {
          const rows = await page.locator('[data-testid="runs"] tbody tr').allInnerTexts();
          return rows.length === 1 && rows[0].includes('Guide heading on the home screen');
        });
        await screenshot(page, 'runs-history');
      } finally {
        await page.close();
      }
    }),
  );

  test(
    'a step the server refuses is marked with the reason, on that step',
    withVptLogs(async () => {
      const page = await context.newPage();
      try {
        await page.goto(`${vpt.url}/tests/new`);
        await page.getByTestId('testcase-name').fill('Refused press');
        await page.getByTestId('add-step').getByTestId('add-wait').click();
        // A press without keys is refused by the server: steps[1].keys.
        await page.getByTestId('add-step').getByTestId('add-press').click();
        await page.getByTestId('save').click();
        const error = page.getByTestId('step-error');
        await error.waitFor({ timeout: 10_000 });
        assert.equal(await error.count(), 1, 'one step is marked');
        const marked = page.locator('[data-testid="step"].invalid');
        assert.equal(await marked.getAttribute('data-action'), 'press', 'the press step is the one marked');
        assert.match(await page.getByTestId('save-error').innerText(), /Step 2/);
        assert.match(page.url(), /\/tests\/new$/, 'nothing was saved');
        await assertNoRawJson(page);
        await screenshot(page, 'testcase-refused');
        // Leaving now asks first; the answer "stay" keeps the draft.
        page.once('dialog', (dialog) => void dialog.dismiss());
        await page.locator('.nav-link', { hasText: 'Runs' }).click();
        assert.match(page.url(), /\/tests\/new$/);
      } finally {
        await page.close();
      }
    }),
  );
});
