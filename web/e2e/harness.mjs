// Starts the real `vpt all` binary on free ports with a fresh data dir, and a headless Chromium.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const webDir = resolve(here, '..');
export const screenshotDir = join(here, 'screenshots');

const POLL_MS = 50;
const START_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;
const MAX_LOG_CHARS = 200_000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `VPT_BIN all --data-dir <tmp>` and resolves once `<tmp>/server.url` exists and
 * `GET /api/health` answers 200. `env` adds variables (e.g. config overrides). Call `stop()`
 * when done.
 */
export async function startVpt({ env = {} } = {}) {
  const bin = resolve(webDir, process.env.VPT_BIN ?? '../target/debug/vpt');
  if (!existsSync(bin)) {
    throw new Error(`vpt binary not found at ${bin} (build it, or set VPT_BIN)`);
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'vpt-e2e-'));
  let logs = '';
  const appendLog = (chunk) => {
    logs += chunk.toString();
    if (logs.length > MAX_LOG_CHARS) logs = logs.slice(-MAX_LOG_CHARS);
  };

  const child = spawn(bin, ['all', '--data-dir', dataDir], {
    env: {
      ...process.env,
      VPT_SERVER__BIND: '127.0.0.1:0',
      VPT_HOST__BIND: '127.0.0.1:0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', appendLog);
  child.stderr.on('data', appendLog);
  let exited = null;
  const exitPromise = new Promise((resolveExit) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolveExit();
    });
    child.on('error', (err) => {
      exited = { code: null, signal: null, error: err };
      resolveExit();
    });
  });

  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const killed = await Promise.race([exitPromise.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
      if (!killed) {
        child.kill('SIGKILL');
        await exitPromise;
      }
    }
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    const url = await waitForServer(dataDir, () => exited);
    return { url, dataDir, logs: () => logs, stop };
  } catch (err) {
    await stop();
    err.message += `\n--- vpt output ---\n${logs}`;
    throw err;
  }
}

async function waitForServer(dataDir, exitedState) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  const urlFile = join(dataDir, 'server.url');
  let url = null;
  let lastError = 'server.url was not written';
  while (Date.now() < deadline) {
    const exited = exitedState();
    if (exited) {
      throw new Error(`vpt exited before it was ready (code ${exited.code}, signal ${exited.signal}${exited.error ? `, ${exited.error.message}` : ''})`);
    }
    if (!url && existsSync(urlFile)) {
      const text = (await readFile(urlFile, 'utf8')).trim();
      if (text) url = text.replace(/\/+$/, '');
    }
    if (url) {
      try {
        const res = await fetch(`${url}/api/health`);
        if (res.status === 200) return url;
        lastError = `/api/health answered ${res.status}`;
      } catch (err) {
        lastError = `/api/health failed: ${err.message}`;
      }
    }
    await sleep(POLL_MS);
  }
  throw new Error(`vpt was not ready within ${START_TIMEOUT_MS / 1000} s: ${lastError}`);
}

/**
 * A headless Chromium. Every page it opens is watched for content security policy violations
 * (the server's policy must let the UI do everything it does); `browser.close()` fails with
 * the list if there were any.
 */
export async function launchBrowser() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const violations = [];
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (...args) => {
    const context = await newContext(...args);
    context.on('console', (message) => {
      if (message.type() === 'error' && message.text().includes('Content Security Policy')) {
        violations.push(message.text());
      }
    });
    return context;
  };
  const close = browser.close.bind(browser);
  browser.close = async (...args) => {
    await close(...args);
    if (violations.length > 0) {
      throw new Error(`content security policy violations:\n${violations.join('\n')}`);
    }
  };
  return browser;
}

export async function screenshot(page, name) {
  await mkdir(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

/** Polls `fn` until it returns a truthy value, or fails with `what` after `timeoutMs`. */
export async function eventually(what, fn, timeoutMs = 15_000, everyMs = 200) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${lastError.message}` : ''}`);
}

export async function getJson(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url} → ${res.status}: ${await res.text()}`);
  return res.json();
}
