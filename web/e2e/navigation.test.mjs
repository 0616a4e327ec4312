// The Navigation page against the real `vpt all` binary: the seeded demo-stb tree is drawn,
// "Go here" takes sim1 to a screen (checked against the simulator's ground truth) with the steps
// shown live, and an edit saved with a message appears as a new version in the history.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiFetch, eventually, getJson, launchBrowser, logsOnFailure, screenshot, startVpt } from './harness.mjs';

let vpt;
let browser;
let context;
let host;

const UI = 'demo-stb';
/** A node of the seeded tree two moves below home, and the simulator screen it stands for. */
const TARGET = { node: 'settings.wifi', screen: 'settings/wifi' };

/** On failure, a test prints what the binary logged. */
const withVptLogs = logsOnFailure(() => vpt);

const simPath = () => `/api/hosts/${encodeURIComponent(host.id)}/devices/sim1`;

async function assertNoRawJson(page) {
  const text = await page.locator('main').innerText();
  assert.ok(!text.includes('{"error"'), 'no raw JSON error is shown');
}

async function treeOf(name) {
  const uis = await getJson(`${vpt.url}/api/userinterfaces`);
  const ui = uis.find((u) => u.name === name);
  assert.ok(ui, `userinterface ${name} is seeded (have ${uis.map((u) => u.name).join(', ')})`);
  return getJson(`${vpt.url}/api/trees/${ui.tree_id}`);
}

/** Opens the page on demo-stb with sim1 docked, and waits for the graph to draw. */
async function openNavigation(page) {
  await page.goto(`${vpt.url}/navigation`);
  await page.waitForURL(/\/navigation\/demo-stb$/, { timeout: 15_000 });
  await page.getByTestId('nav-graph').locator('.react-flow__node').first().waitFor({ timeout: 15_000 });
  const device = page.getByTestId('nav-device');
  await eventually('sim1 in the device list', async () => (await device.locator('option').allInnerTexts()).some((t) => t.includes('sim1')));
  const value = await device.locator('option', { hasText: '(sim1)' }).first().getAttribute('value');
  await device.selectOption(value);
}

describe('the Navigation page', { timeout: 240_000 }, () => {
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
    'the seeded tree is drawn with a node per screen and edges labelled with their keys',
    withVptLogs(async () => {
      const tree = await treeOf(UI);
      const page = await context.newPage();
      try {
        await openNavigation(page);
        // The app shows once it knows who is signed in.
        await page.locator('.nav-link').first().waitFor({ timeout: 15_000 });
        const labels = await page.locator('.nav-link span').allInnerTexts();
        assert.ok(labels.includes('Navigation'), `the sidebar links the page (${labels.join(', ')})`);
        for (const node of tree.nodes) {
          await page.getByTestId(`node-${node.id}`).waitFor({ timeout: 5_000 });
        }
        assert.equal(await page.locator('.react-flow__node').count(), tree.nodes.length);
        const withKeys = tree.edges.find((e) => e.forward.some((a) => a.command === 'press'));
        const label = await page.getByTestId(`edge-${withKeys.id}`).innerText();
        const firstKey = withKeys.forward.find((a) => a.command === 'press').key;
        assert.ok(label.includes(firstKey), `edge ${withKeys.id} reads its keys (${label})`);
        await assertNoRawJson(page);
        await screenshot(page, 'navigation-tree');
      } finally {
        await page.close();
      }
    }),
  );

  test(
    'Go here takes sim1 to a node and lists the steps that passed',
    withVptLogs(async () => {
      // Start somewhere else than the target, so there is a way to go.
      await apiFetch(`${vpt.url}${simPath()}/remote/press`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ key: 'HOME' }),
      });
      const page = await context.newPage();
      try {
        await openNavigation(page);
        await page.getByTestId(`node-${TARGET.node}`).click();
        const inspector = page.getByTestId('node-inspector');
        await inspector.waitFor();
        const go = page.getByTestId('go-here');
        await eventually('Go here enabled', () => go.isEnabled());
        await go.click();

        const panel = page.getByTestId('job-panel');
        await panel.waitFor({ timeout: 10_000 });
        await screenshot(page, 'navigation-going');
        await eventually(
          'the job to finish',
          async () => (await panel.getAttribute('data-status')) !== 'running',
          60_000,
        );
        assert.equal(await panel.getAttribute('data-status'), 'passed', await panel.innerText());
        const sim = await getJson(`${vpt.url}${simPath()}/sim`);
        assert.equal(sim.screen, TARGET.screen, 'sim1 shows the target screen');

        const steps = page.getByTestId('job-steps').locator('li');
        assert.ok((await steps.count()) > 0, 'steps are listed');
        const passed = await page
          .getByTestId('job-steps')
          .locator('li[data-kind="edge"][data-status="passed"], li[data-kind="edge"][data-status="retried"]')
          .count();
        assert.ok(passed > 0, 'at least one move passed');
        assert.equal(
          await page.getByTestId('job-steps').locator('li[data-kind="edge"][data-status="failed"]').count(),
          0,
          'no move failed',
        );
        // The device is shown on the target node.
        await eventually('the target node marked as the device position', async () =>
          (await page.getByTestId(`node-${TARGET.node}`).getAttribute('class'))?.includes('current'),
        );
        await assertNoRawJson(page);
        await screenshot(page, 'navigation-arrived');
      } finally {
        await page.close();
      }
    }),
  );

  test(
    'Validate tree walks every edge, shows the results and keeps them under Validations',
    withVptLogs(async () => {
      const page = await context.newPage();
      try {
        await openNavigation(page);
        const validate = page.getByTestId('validate');
        await eventually('Validate enabled', () => validate.isEnabled());
        await validate.click();
        const panel = page.getByTestId('job-panel');
        await panel.waitFor({ timeout: 10_000 });
        await eventually('the validation to finish', async () => (await panel.getAttribute('data-status')) !== 'running', 120_000, 500);
        const results = page.getByTestId('validation-results');
        await results.waitFor({ timeout: 10_000 });
        const tree = await treeOf(UI);
        const [validation] = await getJson(`${vpt.url}/api/trees/${tree.id}/validations`);
        assert.ok(validation, 'the validation is stored');
        assert.match(await results.innerText(), new RegExp(`${validation.edges_passed}/${validation.edges_total}`));
        assert.equal(await results.locator('tbody tr').count(), validation.edges_total, 'one row per edge and direction');
        // Health colours come from the metrics the validation just recorded.
        assert.ok(tree.metrics.length > 0, 'edges have metrics');
        await eventually('edges coloured by health', async () => (await page.locator('.nav-edge-label.health-good').count()) > 0);
        await screenshot(page, 'navigation-validated');

        await page.getByTestId('tab-validations').click();
        const item = page.getByTestId('validations').locator('li').first();
        await item.waitFor();
        assert.match(await item.innerText(), new RegExp(`${validation.edges_passed}/${validation.edges_total} passed`));
        await assertNoRawJson(page);
      } finally {
        await page.close();
      }
    }),
  );

  test(
    'an edit saved with a message becomes a new version in the history, and undo goes back',
    withVptLogs(async () => {
      const before = await treeOf(UI);
      const page = await context.newPage();
      try {
        await openNavigation(page);
        await page.getByTestId('add-node').click();
        await page.getByTestId('node-label').fill('Audio settings');
        await page.getByTestId('unsaved').waitFor();
        // Undo takes the edits back one by one, down to the saved tree.
        const count = await page.locator('.react-flow__node').count();
        for (let i = 0; i < 5 && (await page.getByTestId('undo').isEnabled()); i++) {
          await page.getByTestId('undo').click();
        }
        await eventually('the node gone after undo', async () => (await page.locator('.react-flow__node').count()) === count - 1);
        assert.equal(await page.getByTestId('unsaved').count(), 0, 'nothing unsaved after undoing everything');

        await page.getByTestId('add-node').click();
        await page.getByTestId('node-label').fill('Audio settings');
        await screenshot(page, 'navigation-edit');
        // Leaving with unsaved changes asks first; saying no stays on the page.
        let asked = null;
        page.once('dialog', (dialog) => {
          asked = dialog.message();
          void dialog.dismiss();
        });
        await page.locator('.nav-link', { hasText: 'Devices' }).click();
        await eventually('the leave question', () => asked !== null, 5_000);
        assert.match(asked, /unsaved changes/);
        assert.match(page.url(), /\/navigation\/demo-stb$/, 'still on the Navigation page');
        assert.match(await page.title(), /^● /, 'the tab title marks unsaved work');
        await page.getByTestId('save').click();
        await page.getByTestId('save-message').fill('Add the audio screen');
        await page.getByTestId('save-confirm').click();
        await eventually('the save to finish', async () => (await page.getByTestId('unsaved').count()) === 0);
        await eventually('the new version shown', async () =>
          (await page.getByTestId('tree-version').innerText()).includes(String(before.version + 1)),
        );

        const after = await treeOf(UI);
        assert.equal(after.version, before.version + 1);
        assert.ok(after.nodes.some((n) => n.label === 'Audio settings'), 'the node was saved');

        await page.getByTestId('tab-history').click();
        const newest = page.getByTestId('history').locator('li').first();
        await newest.waitFor();
        assert.match(await newest.innerText(), /Add the audio screen/);
        assert.match(await newest.innerText(), new RegExp(`v${after.version}`));
        await assertNoRawJson(page);
        await screenshot(page, 'navigation-history');
      } finally {
        await page.close();
      }
    }),
  );
});
