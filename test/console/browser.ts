// A headless Chromium for the console's browser tests: Debian's package (installed on first
// use, as the services are), driven by playwright-core, kept off the network (every request
// goes through a proxy that does not exist unless it is for 127.0.0.1; no background
// networking, component updates or first-run fetches), and screenshots for docs/screenshots/.

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { aptEnsure } from '../../deploy/local/install.ts';
import { repoRoot } from '../support/lcs-process.ts';

/** The binary itself (the /usr/bin/chromium wrapper only adds flags of its own). */
const CANDIDATES = ['/usr/lib/chromium/chromium', '/usr/bin/chromium'];

export const SCREENSHOTS = join(repoRoot, 'docs', 'screenshots');

/** The flags that keep the browser from reaching anything but the console on loopback. */
export const OFFLINE_FLAGS = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-default-apps',
  '--disable-domain-reliability',
  '--disable-sync',
  '--disable-breakpad',
  '--no-first-run',
  '--no-default-browser-check',
  '--no-pings',
  '--metrics-recording-only',
  '--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,AutofillServerCommunication',
  // Everything not on loopback goes to a proxy on a port nothing listens on.
  '--proxy-server=http://127.0.0.1:9',
  '--proxy-bypass-list=<-loopback>;127.0.0.1;localhost',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
];

/** Installs Debian's chromium unless it is there; returns the binary to run. */
export async function ensureChromium(log: (line: string) => void = () => {}): Promise<string> {
  if (!CANDIDATES.some((c) => existsSync(c)))
    await aptEnsure([{ name: 'chromium', provides: '/usr/bin/chromium' }], log);
  const executablePath = CANDIDATES.find((c) => existsSync(c));
  if (!executablePath)
    throw new Error(`no Chromium at ${CANDIDATES.join(' or ')} after apt-get install chromium`);
  return executablePath;
}

export async function launchChromium(log: (line: string) => void = () => {}): Promise<Browser> {
  const executablePath = await ensureChromium(log);
  const rootUser = process.getuid?.() === 0;
  return chromium.launch({
    executablePath,
    headless: true,
    // Chromium's sandbox needs user namespaces that a root shell in a container lacks.
    args: [...OFFLINE_FLAGS, ...(rootUser ? ['--no-sandbox'] : [])],
    timeout: 60_000,
  });
}

/** A fresh context (its own cookies) at laptop size, its console errors kept for the test. */
export async function openPage(
  browser: Browser,
  url: string,
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: url });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (m) => {
    // A failed request is reported below with its URL.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
      problems.push(`console error: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${r.request().method()} ${r.url()}`);
  });
  // Nothing but the console may be asked for: a request elsewhere is a bug in the UI.
  await context.route(
    (u) => !u.href.startsWith(url),
    (route) => {
      problems.push(`request outside the console: ${route.request().url()}`);
      return route.abort();
    },
  );
  page.setDefaultTimeout(15_000);
  return { context, page, problems };
}

/** docs/screenshots/<name>.png of the whole page. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  return file;
}

/** Signs in through the login form. */
export async function signIn(page: Page, user: string, password: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel('User').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#user', { hasText: user }).waitFor();
}
