// Monitoring against the real `vpt all` binary: a black picture switched on in sim1's
// "Simulated faults" panel opens an incident (toast, device banner, Incidents page, red tile on
// the wall), clearing it there resolves the incident; the incident page acknowledges it and marks
// it as a false positive; the device view scrubs back through the timeline and edits the
// monitoring settings.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { apiFetch, eventually, getJson, launchBrowser, logsOnFailure, screenshot, screenshotDir, startVpt } from './harness.mjs';

let vpt;
let browser;
let context;
let host;
/** The incident test (a) opened, for test (b). */
let incidentId = null;

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

const devicePath = (id) => `/api/hosts/${encodeURIComponent(host.id)}/devices/${id}`;

/** Fast settings, so an incident opens and closes within a second. */
async function monitorFast(id) {
  const current = await getJson(`${vpt.url}${devicePath(id)}/monitor`);
  const s = current.settings;
  const settings = {
    ...s,
    enabled: true,
    fps: 10,
    black: { ...s.black, enabled: true, delay_ms: 300, clear_ms: 300 },
    freeze: { ...s.freeze, enabled: false },
    no_signal: { ...s.no_signal, enabled: true, delay_ms: 300, clear_ms: 300 },
  };
  const res = await api('PUT', `${devicePath(id)}/monitor`, settings);
  assert.equal(res.status, 200, `PUT monitor answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.settings;
}

async function setFaults(id, faults) {
  const res = await api('POST', `${devicePath(id)}/sim`, { faults });
  assert.ok(res.status < 300, `POST sim answered ${res.status}: ${JSON.stringify(res.body)}`);
}

async function openPage(path) {
  const page = await context.newPage();
  await page.goto(`${vpt.url}${path}`);
  await page.locator('.connection[data-state="connected"]').waitFor({ timeout: 15_000 });
  return page;
}

/** What is on screen only: a full-page shot of the device view repeats its sticky bars. */
async function viewportShot(page, name) {
  await page.screenshot({ path: join(screenshotDir, `${name}.png`) });
}

async function assertNoRawJson(page) {
  const text = await page.locator('main').innerText();
  assert.ok(!text.includes('{"'), 'no raw JSON is shown');
}

describe('monitoring UI against the real binary', { timeout: 240_000 }, () => {
  before(async () => {
    vpt = await startVpt();
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
    // Signed in as a tester: everything these tests do is a tester's work.
    await vpt.login(context, 'tester');
    host = await eventually('a host with device sim1', async () => {
      const hosts = await getJson(`${vpt.url}/api/hosts`);
      return hosts.find((h) => h.status === 'online' && h.devices?.some((d) => d.id === 'sim1')) ?? null;
    });
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await vpt?.stop();
  });

  test(
    'a black picture switched on in the sim panel opens an incident: toast, banner, Incidents page, red wall tile; clearing it resolves it',
    withVptLogs(async () => {
      await monitorFast('sim1');
      const page = await openPage('/incidents');
      try {
        // Nothing happened yet: the empty state says what is watched.
        await page.locator('.state-panel', { hasText: 'No incidents' }).waitFor({ timeout: 15_000 });
        await page.locator('[data-testid="monitored-count"]').waitFor({ timeout: 10_000 });
        await screenshot(page, 'incidents-empty');

        // The device view of sim1: its sim panel reads the faults, all off.
        await page.locator('a.nav-link', { hasText: 'Devices' }).click();
        await page.locator(`[data-device="${host.id}/sim1"]`).click();
        const sim = page.locator('[data-testid="sim-panel"]');
        const black = sim.locator('[data-testid="sim-black"]');
        await sim.locator('[data-testid="sim-state"]', { hasText: 'None' }).waitFor({ timeout: 10_000 });
        assert.equal(await black.getAttribute('aria-checked'), 'false');
        assert.equal(await sim.locator('[data-testid="sim-clear"]').count(), 0, 'nothing to clear');

        // Switching the black picture on is sent at once.
        await black.click();
        await sim.locator('[data-testid="sim-black"][aria-checked="true"]').waitFor();
        await sim.locator('[data-testid="sim-state"]', { hasText: '1 on' }).waitFor();
        const toast = page.locator('.toast[data-tone="incident"]', { hasText: `Black screen on ${host.id}/sim1` });
        await toast.waitFor({ timeout: 15_000 });
        await page.locator('[data-testid="device-incident"]', { hasText: 'Black screen' }).waitFor({ timeout: 10_000 });
        await page.locator('[data-testid="monitor-panel"] [data-condition="black"] [data-phase="active"]').waitFor({ timeout: 5000 });
        const truth = await getJson(`${vpt.url}${devicePath('sim1')}/sim`);
        assert.equal(truth.faults.black, true, 'the sim plays the black picture');
        await sim.evaluate((el) => el.scrollIntoView({ block: 'center' }));
        await viewportShot(page, 'device-sim-faults');

        // The toast links to the incident.
        await toast.locator('a').click();
        await page.waitForURL(/\/incidents\/\d+$/);
        incidentId = Number(new URL(page.url()).pathname.split('/').pop());
        assert.ok(incidentId > 0, 'the toast names its incident');
        await page.locator('[data-testid="incident-page"][data-status="active"]').waitFor();

        // The Incidents page lists it as active.
        await page.locator('a.nav-link', { hasText: 'Incidents' }).click();
        const row = page.locator(`[data-testid="incidents-active"] tr[data-device="${host.id}/sim1"]`);
        await row.waitFor({ timeout: 10_000 });
        await row.locator('[data-kind="black"]').waitFor();
        assert.equal(Number(await row.getAttribute('data-incident')), incidentId, 'the row is the toast\'s incident');
        await page.locator('[data-testid="nav-badge-active-incidents"]', { hasText: '1' }).waitFor({ timeout: 5000 });

        // The duration of an active incident ticks.
        const first = await row.locator('[data-testid="incident-duration"]').innerText();
        await eventually('the duration to tick', async () => (await row.locator('[data-testid="incident-duration"]').innerText()) !== first, 5000);
        await assertNoRawJson(page);
        await screenshot(page, 'incidents-active');

        // The wall shows sim1 with the incident's red border, sim2 as fine.
        await page.locator('a.nav-link', { hasText: 'Wall' }).click();
        const tile = page.locator(`.wall-tile[data-device="${host.id}/sim1"]`);
        await tile.waitFor({ timeout: 10_000 });
        assert.equal(await tile.getAttribute('data-state'), 'incident');
        await tile.locator('[data-testid="wall-incident"]', { hasText: 'Black screen' }).waitFor();
        const edge = await tile.evaluate((el) => getComputedStyle(el).borderTopColor);
        const [r, g, b] = edge.match(/\d+/g).map(Number);
        assert.ok(r > 180 && g < 140 && b < 140, `sim1's tile border is red (got ${edge})`);
        await page.locator(`.wall-tile[data-device="${host.id}/sim2"][data-state="ok"]`).waitFor({ timeout: 10_000 });
        await eventually(
          'a decoded picture on the sim2 tile',
          () => page.locator(`.wall-tile[data-device="${host.id}/sim2"] img.thumb-img`).evaluate((img) => img.complete && img.naturalWidth > 0),
          15_000,
        );
        await screenshot(page, 'wall-incident');

        // Clearing the fault from sim1's panel (the tile opens its device view) resolves it.
        await tile.click();
        await sim.locator('[data-testid="sim-black"][aria-checked="true"]').waitFor({ timeout: 10_000 });
        await sim.locator('[data-testid="sim-clear"]').click();
        await sim.locator('[data-testid="sim-black"][aria-checked="false"]').waitFor();
        await sim.locator('[data-testid="sim-state"]', { hasText: 'None' }).waitFor();
        assert.equal(await sim.locator('[data-testid="sim-clear"]').count(), 0, 'nothing left to clear');
        await page.locator('.toast[data-tone="resolved"]', { hasText: `${host.id}/sim1` }).waitFor({ timeout: 15_000 });
        await page.locator('[data-testid="device-incident"]').waitFor({ state: 'detached', timeout: 10_000 });
        await page.locator('a.nav-link', { hasText: 'Wall' }).click();
        await page.locator(`.wall-tile[data-device="${host.id}/sim1"][data-state="ok"]`).waitFor({ timeout: 10_000 });
        await page.locator('a.nav-link', { hasText: 'Incidents' }).click();
        await page
          .locator(`[data-testid="incidents-resolved"] tr[data-incident="${incidentId}"][data-status="resolved"]`)
          .waitFor({ timeout: 10_000 });
        await page.locator('[data-testid="no-active"]').waitFor();
        assert.equal(await page.locator('[data-testid="nav-badge-active-incidents"]').count(), 0, 'no count without active incidents');
        await screenshot(page, 'incidents-resolved');

        // The kind filter hides it.
        await page.locator('[data-testid="filter-kind"]').selectOption('freeze');
        await page.locator('.state-panel', { hasText: 'No incident matches these filters' }).waitFor({ timeout: 10_000 });
      } finally {
        await setFaults('sim1', {}).catch(() => {});
        await page.close();
      }
    }),
  );

  test(
    'the incident page shows its frames, acknowledges it and marks it as a false positive with a comment',
    withVptLogs(async () => {
      assert.ok(incidentId, 'the first test opened an incident');
      const page = await openPage(`/incidents/${incidentId}`);
      try {
        await page.locator('[data-testid="incident-page"][data-status="resolved"]').waitFor({ timeout: 15_000 });
        const frames = page.locator('[data-testid="incident-frames"]');
        await frames.locator('[data-label="first"]').waitFor();
        await frames.locator('[data-label="after"]').waitFor();
        await eventually(
          'the first frame to load',
          () => frames.locator('[data-label="first"] img').evaluate((img) => img.complete && img.naturalWidth > 0),
          10_000,
        );

        await page.locator('[data-testid="acknowledge"]').click();
        await page.locator('[data-testid="acknowledged"]').waitFor({ timeout: 10_000 });
        assert.ok(await page.locator('[data-testid="acknowledge"]').isDisabled(), 'acknowledged once');

        await page.locator('[data-testid="mark-false-positive"]').click();
        const form = page.locator('[data-testid="false-positive-form"]');
        await form.locator('[data-testid="false-positive-save"]').click();
        await form.locator('.form-error', { hasText: 'Say why' }).waitFor();
        const comment = 'The demo STB shows a black splash while it restarts.';
        await form.locator('[data-testid="false-positive-comment"]').fill(comment);
        await form.locator('[data-testid="false-positive-save"]').click();
        await page.locator('[data-testid="false-positive-note"]', { hasText: comment }).waitFor({ timeout: 10_000 });
        await page.locator('[data-testid="marker-false-positive"]').first().waitFor();

        const stored = await getJson(`${vpt.url}/api/incidents/${incidentId}`);
        assert.ok(stored.acknowledged_at, 'the server has the acknowledgement');
        const me = await page.getByTestId('user-name').innerText();
        assert.equal(me, 'tester');
        assert.equal(stored.acknowledged_by, me, 'acknowledged in the signed-in user\'s name');
        assert.equal(stored.false_positive, true);
        assert.equal(stored.comment, comment);
        await assertNoRawJson(page);
        await screenshot(page, 'incident-detail');

        // The list shows both markers.
        await page.locator('.back-link').click();
        const row = page.locator(`tr[data-incident="${incidentId}"]`);
        await row.locator('[data-testid="marker-ack"]').waitFor({ timeout: 10_000 });
        await row.locator('[data-testid="marker-false-positive"]').waitFor();
      } finally {
        await page.close();
      }
    }),
  );

  test(
    'the device view scrubs back through the timeline and saves monitoring settings',
    withVptLogs(async () => {
      const page = await openPage(`/devices/${encodeURIComponent(host.id)}/sim1`);
      try {
        const panel = page.locator('[data-testid="monitor-panel"]');
        await panel.locator('[data-testid="monitor-state"]', { hasText: 'On' }).waitFor({ timeout: 15_000 });
        await panel.locator('[data-condition="black"] [data-phase="clear"]').waitFor({ timeout: 10_000 });

        // The sim panel reads faults set elsewhere again when the page gets the focus back.
        const sim = page.locator('[data-testid="sim-panel"]');
        const lostKeys = sim.locator('[data-testid="sim-drop_key_probability"]');
        await sim.locator('[data-testid="sim-state"]', { hasText: 'None' }).waitFor({ timeout: 10_000 });
        await setFaults('sim1', { drop_key_probability: 0.25 });
        await page.evaluate(() => window.dispatchEvent(new Event('focus')));
        await sim.locator('[data-testid="sim-state"]', { hasText: '1 on' }).waitFor({ timeout: 5000 });
        assert.equal(await lostKeys.inputValue(), '25');
        // A share above 100 % is refused next to its field and not sent; a valid one is sent.
        await lostKeys.fill('150');
        await lostKeys.press('Enter');
        await sim.locator('[data-error-for="drop_key_probability"]').waitFor();
        await lostKeys.fill('0');
        await lostKeys.press('Enter');
        await sim.locator('[data-testid="sim-state"]', { hasText: 'None' }).waitFor();
        await eventually('the sim to lose no key presses', async () => (await getJson(`${vpt.url}${devicePath('sim1')}/sim`)).faults.drop_key_probability === 0, 5000);

        // A value out of range is refused next to its field, and nothing is sent.
        await panel.locator('input[data-field="fps"]').fill('100');
        await panel.locator('[data-testid="monitor-save"]').click();
        await panel.locator('[data-error-for="fps"]').waitFor();
        await panel.locator('input[data-field="fps"]').fill('5');
        await panel.locator('input[data-field="black.delay_ms"]').fill('1.5');
        await panel.locator('[data-testid="monitor-save"]').click();
        await page.locator('.toast', { hasText: 'Monitoring settings saved' }).waitFor({ timeout: 10_000 });
        const saved = await getJson(`${vpt.url}${devicePath('sim1')}/monitor`);
        assert.equal(saved.settings.fps, 5);
        assert.equal(saved.settings.black.delay_ms, 1500);

        // The timeline: step back a few frames, the stored frame replaces the live picture.
        const timeline = page.locator('[data-testid="timeline"]');
        const slider = timeline.locator('[data-testid="timeline-slider"]');
        await slider.waitFor({ timeout: 15_000 });
        await eventually('a few frames in the timeline', async () => Number(await timeline.getAttribute('data-frames')) > 5, 15_000);
        await slider.focus();
        for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowLeft');
        await page.locator('img.replay-img').waitFor({ timeout: 10_000 });
        await eventually('the replayed frame to load', () => page.locator('img.replay-img').evaluate((img) => img.complete && img.naturalWidth > 0));
        await timeline.locator('[data-testid="timeline-position"]', { hasText: 'Frame' }).waitFor();
        await timeline.locator('button', { hasText: 'Start' }).click();
        await slider.focus();
        for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
        await timeline.locator('button', { hasText: 'End' }).click();
        const zip = timeline.locator('[data-testid="export-zip"]');
        await zip.waitFor();
        const href = await zip.getAttribute('href');
        const res = await apiFetch(`${vpt.url}${href}`);
        assert.equal(res.status, 200, `export answered ${res.status}`);
        assert.match(res.headers.get('content-type') ?? '', /zip/);
        await assertNoRawJson(page);
        await page.evaluate(() => window.scrollTo(0, 0));
        await viewportShot(page, 'device-timeline');

        await timeline.locator('[data-testid="timeline-live"]').click();
        await page.locator('canvas.picture-canvas').waitFor();
        assert.equal(await page.locator('img.replay-img').count(), 0, 'back to the live picture');
        await panel.evaluate((el) => el.scrollIntoView({ block: 'start' }));
        await viewportShot(page, 'device-monitoring');
      } finally {
        await page.close();
      }
    }),
  );
});
