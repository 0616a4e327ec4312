// References and "Try it now" against the real `vpt all` binary: an area drawn on sim1's live
// picture becomes an image reference, is listed, is found, and is no longer found once the
// focus highlight changes the look of that tile.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { apiFetch, eventually, getJson, launchBrowser, logsOnFailure, screenshot, startVpt } from './harness.mjs';

let vpt;
let browser;
let context;
let host;
let scratchDir;

/** The "Settings" label on the home row of sim1's 1280×720 picture (its text sits at y≈392). */
const SETTINGS_LABEL = { x: 560, y: 370, width: 160, height: 40 };
const NAME = 'home_settings_tile';
const UI = 'demo-stb';

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

const simPath = () => `/api/hosts/${encodeURIComponent(host.id)}/devices/sim1`;

async function simState() {
  return getJson(`${vpt.url}${simPath()}/sim`);
}

/** Presses keys on sim1 through the API until its home row has `focus`, then lets a frame pass. */
async function focusHomeTile(focus) {
  let state = await simState();
  if (state.screen !== 'home') {
    await api('POST', `${simPath()}/remote/press`, { key: 'HOME' });
    state = await eventually('sim1 on its home screen', async () => {
      const s = await simState();
      return s.screen === 'home' ? s : null;
    });
  }
  const order = ['live_tv', 'guide', 'settings', 'apps', 'recordings'];
  const from = order.indexOf(state.focus);
  const to = order.indexOf(focus);
  assert.ok(from >= 0 && to >= 0, `known focus (${state.focus} → ${focus})`);
  const key = to > from ? 'RIGHT' : 'LEFT';
  for (let i = 0; i < Math.abs(to - from); i++) {
    const res = await api('POST', `${simPath()}/remote/press`, { key });
    assert.equal(res.status, 200, `press ${key}: ${JSON.stringify(res.body)}`);
  }
  await eventually(`sim1 focus on ${focus}`, async () => (await simState()).focus === focus);
  // The capture is 25 fps; give the new look a few frames to reach the frame buffer.
  await new Promise((r) => setTimeout(r, 400));
}

async function waitForLivePicture(page) {
  await eventually(
    'the live picture to draw frames',
    () => page.evaluate(() => Number(document.querySelector('.readout')?.getAttribute('data-frames') ?? '0') > 1),
    20_000,
  );
}

/** Page coordinates of a frame pixel on the device view's canvas (object-fit: contain). */
async function framePointToPage(page, x, y) {
  const canvas = page.locator('canvas.picture-canvas');
  const box = await canvas.boundingBox();
  const size = await canvas.evaluate((c) => ({ width: c.width, height: c.height }));
  const scale = Math.min(box.width / size.width, box.height / size.height);
  const left = box.x + (box.width - size.width * scale) / 2;
  const top = box.y + (box.height - size.height * scale) / 2;
  return { x: left + x * scale, y: top + y * scale };
}

function parseArea(text) {
  const m = text.match(/(\d+),(\d+)\s+(\d+)×(\d+)/);
  assert.ok(m, `an area "x,y w×h" in ${JSON.stringify(text)}`);
  return { x: Number(m[1]), y: Number(m[2]), width: Number(m[3]), height: Number(m[4]) };
}

function assertAreaNear(actual, expected, slack = 2) {
  for (const key of ['x', 'y', 'width', 'height']) {
    assert.ok(
      Math.abs(actual[key] - expected[key]) <= slack,
      `${key} ${actual[key]} is within ${slack} px of ${expected[key]} (${JSON.stringify(actual)})`,
    );
  }
}

async function assertNoRawJson(page) {
  const text = await page.locator('main').innerText();
  assert.ok(!text.includes('{"error"'), 'no raw JSON error is shown');
}

const imageLoaded = (locator) => locator.evaluate((img) => img.complete && img.naturalWidth > 0);

describe('references and verifications in the web UI', { timeout: 240_000 }, () => {
  before(async () => {
    // Without the demo-stb content, so the page starts with no references at all.
    vpt = await startVpt({ env: { VPT_SERVER__DEMO_CONTENT: 'false' } });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
    // Signed in as a tester: everything these tests do is a tester's work.
    await vpt.login(context, 'tester');
    scratchDir = await mkdtemp(join(tmpdir(), 'vpt-e2e-refs-'));
    host = await eventually('a host with device sim1', async () => {
      const hosts = await getJson(`${vpt.url}/api/hosts`);
      return hosts.find((h) => h.status === 'online' && h.devices?.some((d) => d.id === 'sim1')) ?? null;
    });
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await vpt?.stop();
    if (scratchDir) await rm(scratchDir, { recursive: true, force: true });
  });

  test(
    'the References page is in the sidebar after Devices and starts empty',
    withVptLogs(async () => {
      const page = await context.newPage();
      try {
        await page.goto(`${vpt.url}/references`);
        // The app shows once it knows who is signed in.
        await page.locator('.nav-link').first().waitFor({ timeout: 15_000 });
        const labels = await page.locator('.nav-link span').allInnerTexts();
        // Watching devices first (devices, wall, incidents), then what tests are made of.
        assert.deepEqual(labels.slice(0, 5), ['Dashboard', 'Devices', 'Wall', 'Incidents', 'References']);
        await page.locator('.state-panel', { hasText: 'No references yet' }).waitFor({ timeout: 15_000 });
        assert.match(await page.locator('.state-panel').innerText(), /draw a rectangle on a device's live picture/i);
        await assertNoRawJson(page);
        await screenshot(page, 'references-empty');
      } finally {
        await page.close();
      }
    }),
  );

  test(
    'an area drawn on the live picture is saved as an image reference and found',
    withVptLogs(async () => {
      await focusHomeTile('live_tv');

      const page = await context.newPage();
      try {
        // The chosen area must hold a distinctive piece of the picture: the light "Settings"
        // label on its dark tile. Checked on the device's own screenshot, in frame pixels.
        await page.goto(`${vpt.url}/devices/${encodeURIComponent(host.id)}/sim1`);
        const stats = await page.evaluate(
          async ({ url, area }) => {
            const bitmap = await createImageBitmap(await (await fetch(url)).blob());
            const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
            const ctx = canvas.getContext('2d');
            ctx.drawImage(bitmap, 0, 0);
            const { data } = ctx.getImageData(area.x, area.y, area.width, area.height);
            let bright = 0;
            for (let i = 0; i < data.length; i += 4) if (data[i] + data[i + 1] + data[i + 2] > 3 * 128) bright++;
            return { width: bitmap.width, height: bitmap.height, brightShare: bright / (data.length / 4) };
          },
          { url: `${simPath()}/screenshot?format=png`, area: SETTINGS_LABEL },
        );
        assert.deepEqual([stats.width, stats.height], [1280, 720], 'sim1 captures 1280×720');
        assert.ok(
          stats.brightShare > 0.03 && stats.brightShare < 0.5,
          `the area holds light text on a dark tile (${(stats.brightShare * 100).toFixed(1)} % bright)`,
        );

        await waitForLivePicture(page);
        await page.getByRole('button', { name: 'Select area' }).click();
        const panel = page.locator('section.new-reference');
        await panel.waitFor();

        const start = await framePointToPage(page, SETTINGS_LABEL.x, SETTINGS_LABEL.y);
        const mid = await framePointToPage(page, SETTINGS_LABEL.x + 80, SETTINGS_LABEL.y + 20);
        const end = await framePointToPage(
          page,
          SETTINGS_LABEL.x + SETTINGS_LABEL.width,
          SETTINGS_LABEL.y + SETTINGS_LABEL.height,
        );
        await page.mouse.move(start.x, start.y);
        await page.mouse.down();
        await page.mouse.move(mid.x, mid.y, { steps: 4 });
        // While dragging, the area is shown in frame pixels.
        assertAreaNear(parseArea(await page.getByTestId('area-label').innerText()), {
          ...SETTINGS_LABEL,
          width: 80,
          height: 20,
        });
        await page.mouse.move(end.x, end.y, { steps: 4 });
        await page.mouse.up();

        const area = parseArea(await page.getByTestId('selected-area').innerText());
        assertAreaNear(area, SETTINGS_LABEL);

        await page.getByTestId('reference-name').fill(NAME);
        await page.getByTestId('reference-userinterface').fill(UI);
        assert.equal(await panel.getByRole('radio', { name: 'Image' }).getAttribute('aria-checked'), 'true');

        const [createdRes] = await Promise.all([
          page.waitForResponse(
            (res) => new URL(res.url()).pathname === '/api/references' && res.request().method() === 'POST',
          ),
          panel.getByRole('button', { name: 'Save reference' }).click(),
        ]);
        assert.equal(createdRes.status(), 201, createdRes.status() === 201 ? '' : await createdRes.text());
        assert.deepEqual(JSON.parse(createdRes.request().postData() ?? '{}'), {
          name: NAME,
          userinterface: UI,
          kind: 'image',
          area,
          source: { host: host.id, device: 'sim1' },
        });
        const reference = await createdRes.json();

        const saved = panel.getByTestId('created-reference');
        await saved.waitFor();
        const thumb = saved.locator('.ref-thumb img');
        await eventually('the saved thumbnail to load', () => imageLoaded(thumb));
        assert.equal(await thumb.evaluate((img) => img.naturalWidth), area.width, 'the thumbnail is the crop');
        assert.equal(await saved.getByRole('link', { name: /Open References/ }).getAttribute('href'), '/references');

        const [verifyRes] = await Promise.all([
          page.waitForResponse((res) => res.url().endsWith('/verify') && res.request().method() === 'POST'),
          saved.getByRole('button', { name: 'Try it now' }).click(),
        ]);
        assert.equal(verifyRes.status(), 200, verifyRes.status() === 200 ? '' : await verifyRes.text());
        assert.deepEqual(JSON.parse(verifyRes.request().postData() ?? '{}'), {
          verifications: [{ kind: 'image', reference_id: reference.id }],
        });
        const verdict = panel.locator('.verdict');
        await verdict.waitFor();
        assert.equal(await verdict.getAttribute('data-verdict'), 'pass');
        assert.match(await verdict.locator('.badge').innerText(), /^Found$/);
        const score = Number(await verdict.locator('[data-fact="score"]').innerText());
        assert.ok(score >= 0.9, `score ${score} ≥ 0.9`);
        assert.match(await verdict.locator('[data-fact="score"]').innerText(), /^\d\.\d{3}$/);
        assertAreaNear(parseArea(await verdict.locator('[data-fact="region"]').innerText()), area, 3);
        await eventually('the annotated frame to load', () => imageLoaded(verdict.locator('.verdict-image img')));
        const highlight = page.getByTestId('area-highlight');
        await highlight.waitFor();
        assert.equal(await highlight.getAttribute('data-passed'), 'true');
        await page.evaluate(() => window.scrollTo(0, 0));
        await screenshot(page, 'reference-created');

        await panel.getByRole('button', { name: 'Is it black?' }).click();
        await eventually('the black check to answer', async () =>
          (await verdict.locator('.verdict-what').innerText()).startsWith('Is it black?'),
        );
        assert.equal(await verdict.getAttribute('data-verdict'), 'fail');
        assert.match(await verdict.locator('.badge').innerText(), /^Not black$/);
        await assertNoRawJson(page);
      } finally {
        await page.close();
      }
    }),
  );

  test(
    'the References page lists it with a thumbnail; Try it now finds it, then not once the tile is focused',
    withVptLogs(async () => {
      await focusHomeTile('live_tv');
      const page = await context.newPage();
      try {
        await page.goto(`${vpt.url}/references`);
        const card = page.locator(`article.reference-card[data-reference="${NAME}"]`);
        await card.waitFor({ timeout: 15_000 });
        await eventually('the card thumbnail to load', () => imageLoaded(card.locator('.ref-thumb img')));
        assert.equal(await card.locator('[data-kind]').innerText(), 'Image');
        assert.match(await card.innerText(), new RegExp(UI));
        assertAreaNear(parseArea(await card.locator('.reference-meta .mono').innerText()), SETTINGS_LABEL);

        await page.getByTestId('try-device').selectOption(`${host.id}/sim1`);
        await card.getByRole('button', { name: 'Try it now' }).click();
        const verdict = card.locator('.verdict');
        await verdict.waitFor({ timeout: 20_000 });
        assert.equal(await verdict.getAttribute('data-verdict'), 'pass');
        assert.match(await verdict.locator('.badge').innerText(), /^Found$/);
        await eventually('the annotated frame to load', () => imageLoaded(verdict.locator('.verdict-image img')));
        await screenshot(page, 'references-found');

        // With the focus on it, the Settings tile turns light with dark text: no longer the crop.
        await focusHomeTile('settings');
        await card.getByRole('button', { name: 'Try it now' }).click();
        await eventually('a "Not found" verdict', async () => (await verdict.getAttribute('data-verdict')) === 'fail', 30_000);
        assert.match(await verdict.locator('.badge').innerText(), /^Not found$/);
        assert.equal(await page.locator('.toast-error').count(), 0, 'a failed verdict is not an error toast');
        await screenshot(page, 'references-not-found');
      } finally {
        await page.close();
        await focusHomeTile('live_tv');
      }
    }),
  );

  test(
    'upload, rename (with a name conflict), edit a text, filter and delete',
    withVptLogs(async () => {
      const list = (await api('GET', '/api/references')).body;
      const original = list.find((r) => r.name === NAME);
      assert.ok(original, `${NAME} exists`);
      const png = Buffer.from(await (await apiFetch(`${vpt.url}${original.image_url}`)).arrayBuffer());
      const pngPath = join(scratchDir, 'settings crop.png');
      await writeFile(pngPath, png);

      // A text reference and one for another userinterface, made through the API.
      const textRef = await api('POST', '/api/references', {
        name: 'settings_label_text',
        userinterface: UI,
        kind: 'text',
        area: SETTINGS_LABEL,
        source: { host: host.id, device: 'sim1' },
      });
      assert.equal(textRef.status, 201, JSON.stringify(textRef.body));
      const otherUi = await api('POST', '/api/references', {
        name: 'other_tile',
        userinterface: 'other-ui',
        kind: 'image',
        area: { x: 56, y: 212, width: 208, height: 232 },
        source: { host: host.id, device: 'sim1' },
      });
      assert.equal(otherUi.status, 201, JSON.stringify(otherUi.body));

      const page = await context.newPage();
      try {
        await page.goto(`${vpt.url}/references`);
        await page.locator(`article.reference-card[data-reference="${NAME}"]`).waitFor({ timeout: 15_000 });

        // Upload the crop as a new image reference.
        await page.getByRole('button', { name: 'Upload PNG' }).click();
        const form = page.locator('section.upload-card');
        await form.getByTestId('upload-file').setInputFiles(pngPath);
        await form.getByRole('textbox', { name: 'Name' }).fill('uploaded_tile');
        const [uploadRes] = await Promise.all([
          page.waitForResponse((res) => res.url().includes('/api/references/upload')),
          form.getByRole('button', { name: 'Upload', exact: true }).click(),
        ]);
        assert.equal(uploadRes.status(), 201, uploadRes.status() === 201 ? '' : await uploadRes.text());
        assert.equal(uploadRes.request().headers()['content-type'], 'image/png');
        const uploadUrl = new URL(uploadRes.url());
        assert.equal(uploadUrl.searchParams.get('name'), 'uploaded_tile');
        assert.equal(uploadUrl.searchParams.get('userinterface'), UI);
        assert.equal(uploadUrl.searchParams.get('kind'), 'image');
        const uploadedCard = page.locator('article.reference-card[data-reference="uploaded_tile"]');
        await uploadedCard.waitFor();
        await eventually('the uploaded thumbnail to load', () => imageLoaded(uploadedCard.locator('.ref-thumb img')));

        // Uploading the same name again is refused; the API's sentence is shown, not JSON.
        await page.getByRole('button', { name: 'Upload PNG' }).click();
        await form.getByTestId('upload-file').setInputFiles(pngPath);
        await form.getByRole('textbox', { name: 'Name' }).fill('uploaded_tile');
        await form.getByRole('button', { name: 'Upload', exact: true }).click();
        const uploadError = form.locator('.form-error[role="alert"]');
        await uploadError.waitFor();
        assert.ok((await uploadError.innerText()).length > 5);
        await form.getByRole('button', { name: 'Close the upload form' }).click();

        // Rename: first onto a taken name (409, shown inline), then to a free one.
        await uploadedCard.getByRole('button', { name: 'Rename uploaded_tile' }).click();
        const nameField = uploadedCard.getByRole('textbox', { name: 'Name' });
        await nameField.fill(NAME);
        const [conflict] = await Promise.all([
          page.waitForResponse((res) => res.request().method() === 'PUT'),
          uploadedCard.getByRole('button', { name: 'Save', exact: true }).click(),
        ]);
        assert.equal(conflict.status(), 409);
        const renameError = uploadedCard.locator('.form-error');
        await renameError.waitFor();
        assert.ok(!(await renameError.innerText()).includes('{'), 'the 409 is a sentence');
        await screenshot(page, 'references-rename-conflict');
        await nameField.fill('settings_tile_copy');
        await nameField.press('Enter');
        const renamedCard = page.locator('article.reference-card[data-reference="settings_tile_copy"]');
        await renamedCard.waitFor();
        assert.ok(
          (await api('GET', '/api/references')).body.some((r) => r.name === 'settings_tile_copy'),
          'the rename reached the API',
        );

        // Edit the text a text reference expects.
        const textCard = page.locator('article.reference-card[data-reference="settings_label_text"]');
        await page.reload();
        await textCard.waitFor({ timeout: 15_000 });
        assert.equal(await textCard.locator('[data-kind]').innerText(), 'Text');
        await textCard.getByRole('button', { name: /^Edit the text/ }).click();
        await textCard.getByRole('textbox', { name: 'Expected text' }).fill('Settings|Einstellungen');
        await textCard.getByRole('button', { name: 'Save', exact: true }).click();
        await eventually('the new text on the card', async () =>
          (await textCard.getByTestId('reference-text').innerText()) === 'Settings|Einstellungen',
        );
        const storedText = (await api('GET', `/api/references/${textRef.body.id}`)).body.text;
        assert.equal(storedText, 'Settings|Einstellungen');

        // Try the text reference: OCR reads the label on the home row.
        await page.getByTestId('try-device').selectOption(`${host.id}/sim1`);
        await textCard.getByRole('button', { name: 'Try it now' }).click();
        const textVerdict = textCard.locator('.verdict');
        await textVerdict.waitFor({ timeout: 30_000 });
        assert.equal(await textVerdict.getAttribute('data-verdict'), 'pass', await textVerdict.innerText());
        assert.match(await textVerdict.getByTestId('verdict-text').innerText(), /settings/i);

        // The userinterface filter.
        await page.getByTestId('ui-filter').selectOption('other-ui');
        await eventually('only other-ui references', async () => {
          const names = await page.locator('article.reference-card').evaluateAll((cards) => cards.map((c) => c.dataset.reference));
          return names.length === 1 && names[0] === 'other_tile';
        });
        await page.getByTestId('ui-filter').selectOption('');
        await textCard.waitFor();
        await screenshot(page, 'references-list');

        // Delete, with a confirmation first.
        await renamedCard.getByRole('button', { name: 'Delete settings_tile_copy' }).click();
        const confirm = renamedCard.getByRole('alertdialog');
        await confirm.waitFor();
        await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
        await renamedCard.waitFor({ state: 'detached' });
        assert.ok(
          !(await api('GET', '/api/references')).body.some((r) => r.name === 'settings_tile_copy'),
          'the reference is gone from the API',
        );
        await assertNoRawJson(page);
      } finally {
        await page.close();
      }
    }),
  );
});
