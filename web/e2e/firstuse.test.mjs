// What a new QA engineer trips over on a first walk through the UI, against the real `vpt all`
// binary: a new campaign runs from "Save and run"; a test case with an empty expected text is
// refused on save with every problem on its step; the incidents table keeps device names whole
// at 1280 and 800 px; no signal and a black screen are said on the live picture and in the
// status badge; a black-screen incident keeps a frame from before it began; a key pressed while
// someone else holds the device says why it was not sent. The last test takes screenshots of the
// main pages at 1440×900 and 800×900 (in `e2e/screenshots/`, named `<page>-<width>.png`).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiFetch, eventually, getJson, launchBrowser, logsOnFailure, screenshot, startVpt } from './harness.mjs';

let vpt;
let browser;
let context;
let host;
/** The run the campaign test started (for the run page screenshots). */
let runId = null;
/** The black-screen incident of the picture test (for the incident tests and screenshots). */
let incidentId = null;

const WIDE = { width: 1440, height: 900 };
const NARROW = { width: 800, height: 900 };

/** On failure, a test prints what the binary logged. */
const withVptLogs = logsOnFailure(() => vpt);

async function api(method, path, body, headers = {}) {
  const res = await apiFetch(`${vpt.url}${path}`, {
    method,
    headers: body === undefined ? headers : { 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const devicePath = (id) => `/api/hosts/${encodeURIComponent(host.id)}/devices/${id}`;

/** The device's control lock as the server's host list says (`null` when free). */
async function lockOf(id) {
  const hosts = await getJson(`${vpt.url}/api/hosts`);
  return hosts.find((h) => h.id === host.id)?.devices.find((d) => d.id === id)?.lock ?? null;
}

async function setFaults(id, faults) {
  const res = await api('POST', `${devicePath(id)}/sim`, { faults });
  assert.ok(res.status < 300, `POST sim answered ${res.status}: ${JSON.stringify(res.body)}`);
}

/** Fast monitoring, so incidents open and close within a second. */
async function monitorFast(id) {
  const current = await getJson(`${vpt.url}${devicePath(id)}/monitor`);
  const s = current.settings;
  const res = await api('PUT', `${devicePath(id)}/monitor`, {
    ...s,
    enabled: true,
    fps: 10,
    black: { ...s.black, enabled: true, delay_ms: 300, clear_ms: 300 },
    freeze: { ...s.freeze, enabled: false },
    no_signal: { ...s.no_signal, enabled: true, delay_ms: 300, clear_ms: 300 },
  });
  assert.equal(res.status, 200, `PUT monitor answered ${res.status}: ${JSON.stringify(res.body)}`);
}

async function openPage(path, viewport = WIDE) {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  await page.goto(`${vpt.url}${path}`);
  await page.locator('.connection[data-state="connected"]').waitFor({ timeout: 15_000 });
  return page;
}

async function assertNoRawJson(page) {
  const text = await page.locator('main').innerText();
  assert.ok(!text.includes('{"'), 'no raw JSON is shown');
}

/** The page does not scroll sideways (tables may scroll inside their card). */
async function assertFitsWidth(page, what) {
  const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  assert.ok(scroll <= inner + 1, `${what} fits ${inner} px (page is ${scroll} px wide)`);
}

/** The same page at 1440×900 and 800×900, as `<name>-1440.png` and `<name>-800.png`. */
async function shootBoth(page, name, ready = async () => {}) {
  for (const viewport of [WIDE, NARROW]) {
    await page.setViewportSize(viewport);
    await ready();
    await assertNoRawJson(page);
    await assertFitsWidth(page, `${name} at ${viewport.width} px`);
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, `${name}-${viewport.width}`);
  }
  await page.setViewportSize(WIDE);
}

describe('a first walk through the UI', { timeout: 420_000 }, () => {
  before(async () => {
    vpt = await startVpt();
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: WIDE, colorScheme: 'dark' });
    // Signed in as a tester, as the QA engineer would be.
    await vpt.login(context, 'tester');
    host = await eventually('a host with devices sim1 and sim2', async () => {
      const hosts = await getJson(`${vpt.url}/api/hosts`);
      return hosts.find((h) => h.status === 'online' && ['sim1', 'sim2'].every((id) => h.devices?.some((d) => d.id === id))) ?? null;
    });
  });

  after(async () => {
    await setFaults('sim1', {}).catch(() => {});
    await context?.close();
    await browser?.close();
    await vpt?.stop();
  });

  test(
    'a new campaign runs from "Save and run", and its run page sits under Tests, where its back link goes',
    withVptLogs(async () => {
      const created = await api('POST', '/api/testcases', { name: 'Wait a moment', steps: [{ action: 'wait', ms: 50 }] });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const page = await openPage('/tests/campaigns/new');
      try {
        await page.getByTestId('campaign-name').fill('Smoke on sim2');
        const select = page.getByTestId('campaign-add-select');
        await select.locator(`option[value="${created.body.id}"]`).waitFor({ state: 'attached', timeout: 10_000 });
        await select.selectOption(String(created.body.id));
        await page.getByTestId('campaign-add').click();
        const runsBefore = (await getJson(`${vpt.url}/api/campaign-runs`)).total;

        assert.match(await page.getByTestId('save-and-run').innerText(), /Save and run/);
        await page.getByTestId('save-and-run').click();
        // Saved, on its own page, and asked where to run.
        await page.waitForURL(/\/tests\/campaigns\/\d+/, { timeout: 10_000 });
        const dialog = page.getByTestId('run-dialog');
        await dialog.waitFor({ timeout: 10_000 });
        await dialog.getByTestId('target-mode-device').click();
        await dialog.locator(`[data-device="${host.id}/sim2"]`).click();
        await dialog.getByTestId('run-start').click();
        await page.waitForURL(/\/campaign-runs\/\d+$/, { timeout: 15_000 });
        assert.equal((await getJson(`${vpt.url}/api/campaign-runs`)).total, runsBefore + 1, 'one campaign run started');

        const campaignRun = page.getByTestId('campaign-run');
        await eventually('the campaign run to finish', async () => (await campaignRun.getAttribute('data-status')) === 'passed', 60_000, 250);
        // The sidebar and the back link agree: campaign runs live under Tests → Campaigns.
        assert.equal(await page.locator('.nav-link[aria-current="page"]').innerText(), 'Tests');
        assert.match(await page.locator('.back-link').innerText(), /Campaigns/);
        const link = page.locator('[data-testid="campaign-tests"] a[href^="/runs/"]').first();
        runId = Number((await link.getAttribute('href')).split('/').pop());
        await assertNoRawJson(page);
      } finally {
        await page.close();
      }
    }),
  );

  test(
    'a test case with an empty expected text is refused on save, with every problem shown on its step at once',
    withVptLogs(async () => {
      // The API refuses it and lists each problem (the same check the host makes at run time).
      const refused = await api('POST', '/api/testcases', {
        name: 'Empty text by API',
        steps: [
          { action: 'verify', verifications: [{ kind: 'text', expect: '' }] },
          { action: 'wait', ms: 10 },
          { action: 'press', keys: [] },
        ],
      });
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.equal(refused.body.error, 'invalid_testcase');
      assert.deepEqual(
        refused.body.problems.map((p) => p.path),
        ['steps[0].verifications[0].expect', 'steps[2].keys'],
      );

      const page = await openPage('/tests/new');
      try {
        await page.getByTestId('testcase-name').fill('Empty expected text');
        const steps = page.getByTestId('step');
        await page.getByTestId('add-step').getByTestId('add-verify').click();
        const verify = steps.nth(0);
        await verify.getByTestId('add-verification').click();
        await verify.getByTestId('verification-kind').selectOption('text');
        await verify.getByTestId('verification-expect').fill('   ');
        await page.getByTestId('add-step').getByTestId('add-wait').click();
        await page.getByTestId('add-step').getByTestId('add-press').click();
        await page.getByTestId('save').click();

        await page.locator('[data-testid="step-error"]').nth(1).waitFor({ timeout: 10_000 });
        const marked = page.locator('[data-testid="step"].invalid');
        assert.deepEqual(
          await marked.evaluateAll((els) => els.map((el) => el.getAttribute('data-action'))),
          ['verify', 'press'],
          'both bad steps are marked at once, the good one is not',
        );
        assert.match(await marked.nth(0).getByTestId('step-error').innerText(), /text to look for/);
        assert.match(await page.getByTestId('save-error').innerText(), /Step 1.*2 problems/);
        assert.match(page.url(), /\/tests\/new$/, 'nothing was saved');
        await assertNoRawJson(page);
        await screenshot(page, 'testcase-refused-all');
      } finally {
        page.once('dialog', (d) => void d.accept());
        await page.close();
      }
    }),
  );

  test(
    'no signal and a black screen are said on the live picture and in the status badge, not "Live" and "OK"',
    withVptLogs(async () => {
      await monitorFast('sim1');
      const page = await openPage(`/devices/${encodeURIComponent(host.id)}/sim1`);
      try {
        const state = page.getByTestId('picture-state');
        const badge = page.locator('.device-title-row [data-testid="device-status"]');
        await state.filter({ hasText: 'Live' }).waitFor({ timeout: 20_000 });
        assert.equal(await badge.innerText(), 'OK');
        await shootBoth(page, 'device-live', () => state.filter({ hasText: 'Live' }).waitFor());

        // No signal: the picture is covered and says so, the badge too; the wall shows no stale picture.
        await setFaults('sim1', { no_signal: true });
        await state.filter({ hasText: 'No signal' }).waitFor({ timeout: 15_000 });
        await page.getByTestId('picture-blocker').filter({ hasText: 'No signal' }).waitFor();
        await eventually('the badge to say no signal', async () => (await badge.innerText()) === 'No signal', 15_000);
        await shootBoth(page, 'device-no-signal', () => state.filter({ hasText: 'No signal' }).waitFor());
        const wall = await context.newPage();
        try {
          await wall.goto(`${vpt.url}/wall`);
          const tile = wall.locator(`.wall-tile[data-device="${host.id}/sim1"]`);
          await tile.waitFor({ timeout: 10_000 });
          assert.equal(await tile.getAttribute('data-picture'), 'no_signal');
          assert.equal(await tile.locator('img.thumb-img').count(), 0, 'no last picture on the tile');
          await tile.locator('.thumb-title', { hasText: 'No signal' }).waitFor();
        } finally {
          await wall.close();
        }

        // Back to a picture, then a black one: tagged on the picture and in the badge.
        await setFaults('sim1', {});
        await state.filter({ hasText: 'Live' }).waitFor({ timeout: 20_000 });
        await setFaults('sim1', { black: true });
        await state.filter({ hasText: 'Black screen' }).waitFor({ timeout: 15_000 });
        await page.getByTestId('picture-state-tag').filter({ hasText: 'Black screen' }).waitFor();
        await badge.filter({ hasText: 'Black screen' }).waitFor();
        assert.equal(await badge.getAttribute('data-state'), 'black');
        const toast = page.locator('.toast[data-tone="incident"]', { hasText: 'Black screen' }).first();
        await toast.waitFor({ timeout: 10_000 });
        incidentId = Number((await page.getByTestId('device-incident').locator('a').getAttribute('href')).split('/').pop());
        await screenshot(page, 'device-black');
        // Black for a few seconds, so the incident has frames spread over it.
        await eventually('three seconds of black', async () => {
          const incident = await getJson(`${vpt.url}/api/incidents/${incidentId}`);
          return Date.now() - Date.parse(incident.started_at) > 3500;
        }, 15_000, 250);
        await setFaults('sim1', {});
        await state.filter({ hasText: 'Live' }).waitFor({ timeout: 20_000 });
        await eventually('the badge back to OK', async () => (await badge.innerText()) === 'OK', 15_000);
        // The black toast goes once the "is over" one comes.
        await page.locator('.toast[data-tone="resolved"]').first().waitFor({ timeout: 15_000 });
        await page.locator('.toast[data-tone="incident"]').waitFor({ state: 'detached', timeout: 5000 });
      } finally {
        await setFaults('sim1', {}).catch(() => {});
        await page.close();
      }
    }),
  );

  test(
    'a black-screen incident shows the last good frame before it, its onset and frames spread over it',
    withVptLogs(async () => {
      assert.ok(incidentId, 'the picture test opened an incident');
      const incident = await eventually('the incident to be resolved with its frames', async () => {
        const i = await getJson(`${vpt.url}/api/incidents/${incidentId}`);
        return i.status === 'resolved' && i.frames.some((f) => f.label === 'last') ? i : null;
      });
      const labels = incident.frames.map((f) => f.label);
      assert.ok(labels.includes('before') && labels.includes('first') && labels.includes('after'), labels.join(', '));
      const started = Date.parse(incident.started_at);
      const before = incident.frames.find((f) => f.label === 'before');
      assert.ok(Date.parse(before.captured_at) < started, 'the "before" frame is from before the onset');
      const during = incident.frames.filter((f) => f.label === 'last').map((f) => Date.parse(f.captured_at) - started);
      assert.ok(during.length >= 2, `several frames while it lasted (${during.join(', ')} ms)`);
      assert.ok(new Set(during).size === during.length && during.every((ms) => ms > 0), `distinct offsets after the onset (${during.join(', ')})`);
      assert.ok(Math.max(...during) - Math.min(...during) >= 1000, `spread over the incident (${during.join(', ')} ms)`);

      const page = await openPage(`/incidents/${incidentId}`);
      try {
        const frames = page.getByTestId('incident-frames');
        await frames.locator('[data-label="before"]').waitFor({ timeout: 10_000 });
        const order = await frames.locator('[data-label]').evaluateAll((els) => els.map((el) => el.getAttribute('data-label')));
        assert.equal(order[0], 'before');
        assert.equal(order[1], 'first');
        assert.equal(order.at(-1), 'after');
        assert.match(await frames.locator('[data-label="before"]').innerText(), /Just before[\s\S]*−\d/);
        await eventually(
          'the "before" picture to load',
          () => frames.locator('[data-label="before"] img').evaluate((img) => img.complete && img.naturalWidth > 0),
          10_000,
        );
        // Not black: the frame before a black screen shows the menu.
        const bright = await frames.locator('[data-label="before"] img').evaluate((img) => {
          const c = document.createElement('canvas');
          c.width = img.naturalWidth;
          c.height = img.naturalHeight;
          const ctx = c.getContext('2d');
          ctx.drawImage(img, 0, 0);
          const { data } = ctx.getImageData(0, 0, c.width, c.height);
          let sum = 0;
          for (let i = 0; i < data.length; i += 4) sum += data[i] + data[i + 1] + data[i + 2];
          return sum / (data.length / 4) / 3;
        });
        assert.ok(bright > 20, `the "before" frame is not black (mean ${bright.toFixed(1)})`);
        await shootBoth(page, 'incident', () => frames.locator('[data-label="before"] img').waitFor());
      } finally {
        await page.close();
      }
    }),
  );

  test(
    'the incidents table shows whole device names at 1280 and 800 px, headers apart',
    withVptLogs(async () => {
      assert.ok(incidentId, 'the picture test opened an incident');
      const page = await openPage('/incidents');
      try {
        const row = page.locator(`tr[data-incident="${incidentId}"]`);
        await row.waitFor({ timeout: 10_000 });
        const deviceName = (await getJson(`${vpt.url}${devicePath('sim1')}`)).name;
        for (const viewport of [{ width: 1280, height: 900 }, NARROW]) {
          await page.setViewportSize(viewport);
          const link = row.locator('td.cell-main a.row-title');
          assert.equal(await link.innerText(), deviceName);
          const { whole, width } = await link.evaluate((el) => ({ whole: el.scrollWidth <= el.clientWidth + 1, width: el.getBoundingClientRect().width }));
          assert.ok(whole && width > 40, `"${deviceName}" is whole at ${viewport.width} px (${width} px wide)`);
          const heads = await page
            .locator(`[data-testid="incidents-resolved"] thead th`)
            .evaluateAll((els) => els.map((el) => ({ text: el.innerText, left: el.getBoundingClientRect().left, right: el.getBoundingClientRect().right })));
          const device = heads.find((h) => /device/i.test(h.text));
          const started = heads.find((h) => /started/i.test(h.text));
          assert.ok(device.right - device.left >= 120, `the Device column is ${device.right - device.left} px at ${viewport.width} px`);
          assert.ok(device.right <= started.left + 0.5, `"Device" and "Started" do not overlap at ${viewport.width} px`);
          await assertFitsWidth(page, `incidents at ${viewport.width} px`);
        }
        await page.setViewportSize(WIDE);
        await shootBoth(page, 'incidents', () => row.waitFor());
      } finally {
        await page.close();
      }
    }),
  );

  test(
    'a key pressed while someone else holds the device says who holds it, and sends nothing',
    withVptLogs(async () => {
      // The admin holds sim2 (as another user in another place would).
      const grant = await api('POST', `/api/devices/${encodeURIComponent(host.id)}/sim2/lock`, { lease_secs: 60 });
      assert.equal(grant.status, 200, JSON.stringify(grant.body));
      const page = await openPage(`/devices/${encodeURIComponent(host.id)}/sim2`);
      try {
        await page.getByTestId('lock-owner').filter({ hasText: 'admin' }).waitFor({ timeout: 10_000 });
        const presses = [];
        page.on('request', (req) => {
          if (req.url().includes('/remote/press')) presses.push(req.url());
        });
        await page.locator('button[data-key="RIGHT"]').click();
        const refused = page.getByTestId('key-refused');
        await refused.waitFor({ timeout: 5000 });
        assert.match(await refused.innerText(), /Right was not sent: admin has control/i);
        assert.match(await refused.innerText(), /lapses within 30 s/);
        // The keyboard shortcut says the same.
        await page.locator('h1').click();
        await page.keyboard.press('ArrowLeft');
        await refused.filter({ hasText: /Left was not sent/i }).waitFor({ timeout: 5000 });
        assert.equal(presses.length, 0, 'no press was sent');
        await screenshot(page, 'device-key-refused');

        // Released: the note goes and keys are sent again.
        const released = await api('DELETE', `/api/devices/${encodeURIComponent(host.id)}/sim2/lock`, undefined, { 'X-Vpt-Lock': grant.body.token });
        assert.equal(released.status, 204);
        await refused.waitFor({ state: 'detached', timeout: 10_000 });
        const sent = page.waitForResponse((res) => res.url().endsWith('/remote/press'));
        await page.locator('button[data-key="RIGHT"]').click();
        assert.equal((await sent).status(), 200);

        // The holder's page says how long a lock outlives a page that vanished without a word, and
        // closing its tab gives the lock back at once (a keepalive request on `pagehide`).
        await page.getByRole('button', { name: 'Take control' }).click();
        await page.locator('.lock-mine', { hasText: 'lapses within 30 s' }).waitFor({ timeout: 10_000 });
        assert.equal((await lockOf('sim2'))?.owner, 'tester', 'the tester holds sim2');
        await page.close({ runBeforeUnload: true });
        await eventually('the lock to be released when the page closed', async () => (await lockOf('sim2')) === null, 5000, 100);
      } finally {
        if (!page.isClosed()) await page.close();
      }
    }),
  );

  test(
    'the main pages look finished at 1440 and 800 px',
    withVptLogs(async () => {
      const page = await openPage('/');
      try {
        await shootBoth(page, 'dashboard', () => page.locator('main h1').first().waitFor());
        await page.goto(`${vpt.url}/navigation`);
        await page.waitForURL(/\/navigation\/demo-stb$/, { timeout: 15_000 });
        await shootBoth(page, 'navigation', () => page.getByTestId('nav-graph').locator('.react-flow__node').first().waitFor({ timeout: 15_000 }));
        if (runId) {
          await page.goto(`${vpt.url}/runs/${runId}`);
          await shootBoth(page, 'run', () => page.getByTestId('run-page').waitFor({ timeout: 15_000 }));
        }
      } finally {
        await page.close();
      }
    }),
  );
});
