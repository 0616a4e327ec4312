// Starts the real `vpt all` binary on free ports with a fresh data dir (users made beforehand with
// `vpt user add`, so the server runs with authentication on as it does by default), and a headless
// Chromium. Requests from the tests themselves carry an admin API token.

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

/** The users every test server starts with: one per role. */
export const USERS = {
  admin: { role: 'admin', password: 'admin-pass-e2e' },
  tester: { role: 'tester', password: 'tester-pass-e2e' },
  viewer: { role: 'viewer', password: 'viewer-pass-e2e' },
};

/** API tokens of the running test servers, by origin: `getJson` and `apiFetch` send them. */
const tokens = new Map();

function withToken(url, headers = {}) {
  const token = tokens.get(new URL(url).origin);
  return token ? { Authorization: `Bearer ${token}`, ...headers } : headers;
}

/** `fetch` from the test itself (not the browser), as the admin when the server has auth on. */
export function apiFetch(url, init = {}) {
  return fetch(url, { ...init, headers: withToken(url, init.headers) });
}

/** Runs `vpt user add` on the data dir, the way an operator creates users before the first start. */
async function addUser(bin, dataDir, name, { role, password }) {
  const child = spawn(bin, ['--data-dir', dataDir, 'user', 'add', name, '--role', role, '--password-stdin'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  child.stdin.end(`${password}\n`);
  const code = await new Promise((resolveExit, reject) => {
    child.on('error', reject);
    child.on('exit', resolveExit);
  });
  if (code !== 0) throw new Error(`vpt user add ${name} exited with ${code}: ${output}`);
}

/**
 * Creates the users of `USERS`, runs `VPT_BIN all --data-dir <tmp>` and resolves once
 * `<tmp>/server.url` exists and `GET /api/health` answers 200. `env` adds variables (e.g. config
 * overrides; `VPT_AUTH__ENABLED: 'false'` runs without sign-in); `users: false` leaves the users
 * out, so the server makes its first admin with a generated password. Call `stop()` when done.
 *
 * The answer has `login(contextOrPage, name)`, which signs a browser context in as one of `USERS`
 * through `POST /api/auth/login` (the session cookie lands in the context's cookie jar).
 */
export async function startVpt({ env = {}, users = true } = {}) {
  const bin = resolve(webDir, process.env.VPT_BIN ?? '../target/debug/vpt');
  if (!existsSync(bin)) {
    throw new Error(`vpt binary not found at ${bin} (build it, or set VPT_BIN)`);
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'vpt-e2e-'));
  // Without `users`, the server makes the first admin itself (password in its log).
  if (users) for (const [name, user] of Object.entries(USERS)) await addUser(bin, dataDir, name, user);
  const authOn = env.VPT_AUTH__ENABLED !== 'false';
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
    const stopAndForget = async () => {
      tokens.delete(url);
      await stop();
    };
    if (authOn && users) tokens.set(url, await adminToken(url));
    const login = (target, name = 'admin', password = USERS[name]?.password) => loginContext(target, url, name, password);
    return { url, dataDir, authOn, logs: () => logs, stop: stopAndForget, login };
  } catch (err) {
    await stop();
    err.message += `\n--- vpt output ---\n${logs}`;
    throw err;
  }
}

/**
 * Wraps test bodies so that a failing test prints what the binary logged before it fails. The test
 * files start their server in `before`, so `currentVpt` is asked only once a test has failed:
 * `const withVptLogs = logsOnFailure(() => vpt);` then `test('…', withVptLogs(async (t) => …))`.
 */
export function logsOnFailure(currentVpt) {
  return (body) => async (t) => {
    try {
      await body(t);
    } catch (err) {
      console.error(`\n--- vpt output (test "${t.name}" failed) ---\n${currentVpt()?.logs() ?? '(not started)'}\n--- end ---`);
      throw err;
    }
  };
}

/** Signs in as the admin and makes an API token for the test's own requests. */
async function adminToken(url) {
  const login = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'admin', password: USERS.admin.password }),
  });
  if (!login.ok) throw new Error(`admin login answered ${login.status}: ${await login.text()}`);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
  const res = await fetch(`${url}/api/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Cookie: cookie, 'X-Vpt-Csrf': '1' },
    body: JSON.stringify({ name: 'e2e harness', role: 'admin', expires_in_days: 1 }),
  });
  if (!res.ok) throw new Error(`POST /api/tokens answered ${res.status}: ${await res.text()}`);
  return (await res.json()).token;
}

/**
 * Signs a browser context (or a page's context) in through the API: quicker than the sign-in
 * page, and the cookie is the same.
 */
export async function loginContext(target, url, name, password) {
  const res = await target.request.post(`${url}/api/auth/login`, { data: { name, password } });
  if (!res.ok()) throw new Error(`login as ${name} answered ${res.status()}: ${await res.text()}`);
  return res.json();
}

/** Signs in through the sign-in page, as a person would. The page must show the sign-in form. */
export async function loginThroughPage(page, name, password) {
  await page.getByTestId('login-name').fill(name);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
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
  const res = await apiFetch(url);
  if (!res.ok) throw new Error(`GET ${url} → ${res.status}: ${await res.text()}`);
  return res.json();
}
