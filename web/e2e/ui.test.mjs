// Browser tests against the real `vpt all` binary: no mocks, two simulated STBs.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, getJson, launchBrowser, logsOnFailure, screenshot, startVpt } from './harness.mjs';

let vpt;
let browser;
let context;

/** On failure, a test prints what the binary logged. */
const withVptLogs = logsOnFailure(() => vpt);

/** The host that owns the simulated devices (in `vpt all`, the machine's own host). */
async function simHost() {
  return eventually('a host with device sim1 in /api/hosts', async () => {
    const hosts = await getJson(`${vpt.url}/api/hosts`);
    return hosts.find((h) => h.devices?.some((d) => d.id === 'sim1')) ?? null;
  });
}

/** Samples the device view's canvas: a hash of its pixels, how many colours, how bright. */
function sampleCanvas(page) {
  return page.evaluate(() => {
    const canvas = document.querySelector('canvas.picture-canvas');
    if (!canvas) return null;
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let hash = 0x811c9dc5;
    let sum = 0;
    const colours = new Set();
    for (let i = 0; i < data.length; i += 4) {
      const rgb = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
      hash = Math.imul(hash ^ rgb, 0x01000193) >>> 0;
      sum += data[i] + data[i + 1] + data[i + 2];
      if (colours.size < 4096) colours.add(rgb);
    }
    return { hash, colours: colours.size, mean: sum / (data.length / 4) / 3, width: canvas.width, height: canvas.height };
  });
}

const readoutNumber = (page, testId) =>
  page.evaluate((id) => {
    const el = document.querySelector(`[data-testid="${id}"]`);
    // The fps readout of a still screen reads "Still picture"; its number is in `data-value`.
    return Number.parseFloat(el?.getAttribute('data-value') ?? el?.textContent ?? 'NaN');
  }, testId);

const framesDrawn = (page) =>
  page.evaluate(() => Number(document.querySelector('.readout')?.getAttribute('data-frames') ?? '0'));

async function waitForLivePicture(page) {
  await eventually('the fps readout to go above 0', async () => (await readoutNumber(page, 'fps')) > 0, 20_000);
}

describe('vpt web UI against the real binary', { timeout: 180_000 }, () => {
  before(async () => {
    vpt = await startVpt();
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
    // Signed in as a tester: everything these tests do is a tester's work.
    await vpt.login(context, 'tester');
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await vpt?.stop();
  });

  test(
    'dashboard shows the local host online with its name',
    withVptLogs(async () => {
      const host = await simHost();
      const info = await getJson(`${vpt.url}/api/system/info`);
      const page = await context.newPage();
      try {
        await page.goto(`${vpt.url}/`);
        const card = page.locator('article.host-card', { has: page.locator('.card-title', { hasText: host.name }) });
        await card.waitFor({ timeout: 15_000 });
        await card.locator('.badge', { hasText: 'Online' }).waitFor({ timeout: 15_000 });
        await card.locator('.device-row', { hasText: 'sim1' }).waitFor();
        await card.locator('.device-row', { hasText: 'sim2' }).waitFor();
        await page.locator('.server-card .stat-value', { hasText: info.version }).first().waitFor();
        await page.locator('.connection[data-state="connected"]').waitFor({ timeout: 10_000 });
        const text = await page.locator('main').innerText();
        assert.ok(!text.includes('{"error"'), 'no raw JSON error is shown');
        await screenshot(page, 'dashboard');
      } finally {
        await page.close();
      }
    }),
  );

  test(
    'devices page lists both simulated STBs with live thumbnails',
    withVptLogs(async () => {
      const host = await simHost();
      const page = await context.newPage();
      try {
        await page.goto(`${vpt.url}/devices`);
        for (const id of ['sim1', 'sim2']) {
          const tile = page.locator(`[data-device="${host.id}/${id}"]`);
          await tile.waitFor({ timeout: 15_000 });
          await eventually(
            `a decoded thumbnail for ${id}`,
            () => tile.locator('img.thumb-img').evaluate((img) => img.complete && img.naturalWidth > 0),
            20_000,
          );
        }
        await screenshot(page, 'devices');

        await page.locator(`[data-device="${host.id}/sim1"]`).click();
        await page.waitForURL(`${vpt.url}/devices/${encodeURIComponent(host.id)}/sim1`);
        await page.locator('canvas.picture-canvas').waitFor();
      } finally {
        await page.close();
      }
    }),
  );

  test(
    'device view shows a live picture that reacts to the RIGHT key',
    withVptLogs(async () => {
      const host = await simHost();
      const page = await context.newPage();
      try {
        await page.goto(`${vpt.url}/devices/${encodeURIComponent(host.id)}/sim1`);
        await waitForLivePicture(page);

        const first = await sampleCanvas(page);
        assert.ok(first, 'the canvas exists');
        assert.ok(first.colours > 8, `the picture is not a flat colour (${first.colours} colours)`);
        assert.ok(first.mean > 4, `the picture is not black (mean brightness ${first.mean.toFixed(1)})`);

        const framesBefore = await framesDrawn(page);
        await eventually('more frames to be drawn', async () => (await framesDrawn(page)) > framesBefore + 2, 10_000);

        // A still picture first, so a change after the key press is the key's doing.
        let still = null;
        await eventually(
          'two identical consecutive frames (an idle menu)',
          async () => {
            const a = await sampleCanvas(page);
            await page.waitForTimeout(400);
            const b = await sampleCanvas(page);
            still = a.hash === b.hash ? b : null;
            return still;
          },
          15_000,
          0,
        );

        const pressed = page.waitForResponse(
          (res) => res.url().endsWith('/remote/press') && res.request().method() === 'POST',
        );
        await page.locator('button[data-key="RIGHT"]').click();
        const response = await pressed;
        assert.equal(response.status(), 200, `press answered ${response.status()}: ${await response.text()}`);
        assert.deepEqual(JSON.parse(response.request().postData() ?? '{}'), { key: 'RIGHT' });

        await eventually(
          'the picture to change after RIGHT',
          async () => (await sampleCanvas(page)).hash !== still.hash,
          10_000,
        );
        assert.ok((await readoutNumber(page, 'fps')) > 0, 'fps readout stays above 0');
        await screenshot(page, 'device-view');
      } finally {
        await page.close();
      }
    }),
  );

  test(
    'a deep link to a device survives a reload',
    withVptLogs(async () => {
      const host = await simHost();
      const device = host.devices.find((d) => d.id === 'sim1');
      const page = await context.newPage();
      try {
        const deepLink = `${vpt.url}/devices/${encodeURIComponent(host.id)}/sim1`;
        const response = await page.goto(deepLink);
        assert.equal(response?.status(), 200);
        assert.match(response?.headers()['content-type'] ?? '', /text\/html/);
        await page.locator('h1', { hasText: device.name }).waitFor({ timeout: 15_000 });

        const reloaded = await page.reload();
        assert.equal(reloaded?.status(), 200);
        assert.equal(page.url(), deepLink);
        await page.locator('h1', { hasText: device.name }).waitFor({ timeout: 15_000 });
        await waitForLivePicture(page);
        await screenshot(page, 'device-view-reloaded');
      } finally {
        await page.close();
      }
    }),
  );
});
