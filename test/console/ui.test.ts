// The console's web UI in a real (headless, offline) Chromium against the real console, etcd,
// Kafka, Elasticsearch and InfluxDB, with `lcs agent`, `lcs transfer` and `lcs metrics` running
// as processes: an editor creates an ad-hoc entry for a file under logs/ through the form,
// finds its lines in Search and sees new ones arrive in the live tail; a bad multiline pattern
// is shown next to its field; an edit is saved after its diff, a concurrent one is a conflict
// shown with the value that won, and a rollback brings a version back; the node appears on
// the Nodes page and goes offline when its agent is killed and its lease ends; delete goes to
// the recycle bin and restore brings it back; a viewer cannot save, and the server's 403 is
// shown. Each page is photographed into docs/screenshots/.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { adhocEntryKey } from '../../common/keyspace.ts';
import {
  appendLines,
  numbered,
  usePipeline,
  waitForTailer,
  waitForTransferTopic,
} from '../support/pipeline.ts';
import { waitFor } from '../support/wait.ts';
import { ApiClient, PASSWORDS, startConsole, usersFile, type RunningConsole } from './harness.ts';
import { launchChromium, openPage, screenshot, signIn } from './browser.ts';
import { createDatabase, influxQuery, influxUrl, startMetrics } from '../metrics/harness.ts';
import type { LcsProcess } from '../support/lcs-process.ts';

const say = (line: string) => process.stdout.write(`# ${line}\n`);

const { p, etcd } = usePipeline('cui', { start: ['transfer', 'agent'] });
const name = `web-${p.id}`;
const collection = `adhoc/${name}`;
const topic = `${p.id}-web`;
const file = join(p.dir, 'app.log');
const tag = `ui-${p.id}`;

let c: RunningConsole;
let browser: Browser;
let page: Page;
let problems: string[];

const db = `console_ui_${p.id.replace(/-/g, '_')}`;
let metrics: LcsProcess | undefined;

before(async () => {
  // `lcs metrics` on the same node, so the Nodes page has a metrics instance and host metrics.
  await createDatabase(influxUrl(), db);
  metrics = startMetrics({
    node: p.node,
    stateDir: join(p.dir, '.metrics-state'),
    logDir: p.logDir,
    args: ['--metrics-interval', '1s', '--metrics-influx-database', db],
  });
  const users = await usersFile();
  c = await startConsole({
    LCS_CONSOLE_USERS_FILE: users.file,
    LCS_INFLUXDB_URL: influxUrl(),
    LCS_INFLUXDB_DATABASE: db,
  });
  browser = await launchChromium(say);
  ({ page, problems } = await openPage(browser, c.url));
});

after(async () => {
  await metrics?.stop();
  await influxQuery(influxUrl(), db, `DROP DATABASE "${db}"`).catch(() => {});
  await browser?.close();
  await c?.stop();
});

/** A page's link in the navigation bar. */
const nav = (name: string) => page.locator('#nav').getByRole('link', { name, exact: true });

/** Waits until `selector` has `text` in it, for slow things (an agent, an index refresh). */
async function waitText(selector: string, text: string | RegExp, timeoutMs = 30_000): Promise<void> {
  await page.locator(selector, { hasText: text }).first().waitFor({ timeout: timeoutMs });
}

test('an editor signs in, creates an ad-hoc entry for a file under logs/ through the form, finds its lines in Search and sees new ones in the live tail', async () => {
  appendLines(file, numbered(`${tag} first`, 0, 3));
  await page.goto('/');
  await page.getByLabel('User').waitFor();
  await screenshot(page, 'login');
  await signIn(page, 'alice', PASSWORDS.alice);

  await page.getByRole('link', { name: 'New ad-hoc entry' }).click();
  await page.getByLabel('Name (adhoc/…)').fill(name);
  await page.locator('[name="source.files.paths"]').fill(file);
  await page.locator('[name="topic"]').fill(topic);
  await page.locator('[name="startAt"]').selectOption('beginning');
  await page.getByRole('button', { name: 'Review changes' }).click();
  await waitText('#diff', `"topic": "${topic}"`);
  await screenshot(page, 'collection-new-review');
  await page.locator('#save').click();
  await page.locator('#stored').waitFor();
  assert.equal(new URL(page.url()).hash, `#/collections/${encodeURIComponent(collection)}`);
  assert.deepEqual(JSON.parse((await etcd.get(adhocEntryKey(name)).string()) ?? 'null'), {
    source: { files: { paths: [file] } },
    startAt: 'beginning',
    topic,
  });

  await waitForTailer(p, collection, file, 30_000);
  await waitForTransferTopic(etcd, topic, 60_000);
  // The rollout shows this node running the stored revision (the page follows the events).
  await waitText('table', new RegExp(`${p.node}\\s*current`));
  await screenshot(page, 'collection-detail');
  await nav('Collections').click();
  await waitText(
    '#collections tr',
    new RegExp(`${collection}.*ad-hoc.*${topic}.*${topic.toLowerCase()}\\s*1`),
  );
  await screenshot(page, 'collections');

  await nav('Search').click();
  await page.locator('#search-collection option', { hasText: collection }).waitFor({ state: 'attached' });
  await page.locator('#search-collection').selectOption(collection);
  await page.getByRole('button', { name: 'Start the live tail' }).click();
  await waitText('#tail-state', `tailing ${collection}`);
  const live = numbered(`${tag} live`, 0, 5);
  appendLines(file, live);
  for (const line of live) await waitText('#tail li', line, 60_000);

  // Search: every line, first and live, once the index has them (polled, as a user would).
  await page.locator('#search-q').fill(`"${tag}"`);
  await waitFor(
    'all 8 lines in the search results',
    async () => {
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await page.locator('#search-total').waitFor();
      return /^8 matching/.test((await page.locator('#search-total').textContent()) ?? '');
    },
    { timeoutMs: 60_000, intervalMs: 1000 },
  );
  const shown = await page.locator('#search-results td .msg').allTextContents();
  assert.deepEqual([...shown].sort(), [...numbered(`${tag} first`, 0, 3), ...live].sort());
  await screenshot(page, 'search');
  assert.deepEqual(problems, []);
});

test('a bad multiline start pattern is refused by the server and shown next to its field; nothing is written', async () => {
  const before = await etcd.get(adhocEntryKey(name)).string();
  await page.goto(`/#/collections/${encodeURIComponent(collection)}/edit`);
  await page.locator('details[data-path="parse"] > summary').click();
  await page.locator('details[data-path="parse.multiline"] > summary').click();
  await page.getByLabel('start (required)').fill('^(\\d{4}-');
  await page.getByRole('button', { name: 'Review changes' }).click();
  const error = page.locator('[data-error-for="parse.multiline.start"]');
  await error.waitFor();
  assert.match((await error.textContent()) ?? '', /not a valid regular expression/);
  // The message is the field's description for assistive technology, and the field is marked.
  const input = page.locator('[name="parse.multiline.start"]');
  assert.equal(await input.getAttribute('aria-invalid'), 'true');
  const describedBy = (await input.getAttribute('aria-describedby')) ?? '';
  assert.ok(describedBy.split(' ').includes((await error.getAttribute('id')) ?? '-'), describedBy);
  assert.equal(await page.locator('#save').count(), 0, 'no save button for an entry that does not validate');
  await screenshot(page, 'collection-edit-error');

  // The JSON view holds the same value; there the issues are listed with their paths.
  await page.getByRole('button', { name: 'JSON', exact: true }).click();
  const json = JSON.parse(await page.locator('#entry-json').inputValue()) as Record<string, unknown>;
  assert.deepEqual(json.parse, { multiline: { start: '^(\\d{4}-' } });
  await page.getByRole('button', { name: 'Review changes' }).click();
  await waitText('.general-issues li', /parse\.multiline\.start.*not a valid regular expression/);
  assert.equal(await etcd.get(adhocEntryKey(name)).string(), before);
  assert.deepEqual(problems, []);
});

test('an edit is saved after its diff; a concurrent edit is a conflict shown with the value that won; rollback brings a version back', async () => {
  const api = new ApiClient(c.url);
  await api.login('alice', PASSWORDS.alice);
  const conf = `conf-${p.id}`;
  const key = adhocEntryKey(conf);
  const first = { source: { files: { paths: [join(p.dir, 'conf.log')] } }, topic: `${p.id}-conf` };
  const created = await api.call('PUT', `/api/collections/${encodeURIComponent(`adhoc/${conf}`)}`, {
    entry: first,
    revision: 0,
  });
  assert.equal(created.status, 201, created.text);
  const stored = async () => JSON.parse((await etcd.get(key).string()) ?? 'null') as Record<string, unknown>;

  // An edit: the review shows what changes against the stored value, then it is saved.
  await page.goto(`/#/collections/${encodeURIComponent(`adhoc/${conf}`)}/edit`);
  await page.getByLabel('fields (key=value, one a line)').fill('team=ops');
  await page.getByRole('button', { name: 'Review changes' }).click();
  await waitText('#diff .add', '"team": "ops"');
  assert.equal(await page.locator('#diff .del').count(), 0);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('#stored').waitFor();
  await waitText('#status', `Saved adhoc/${conf}`);
  assert.deepEqual((await stored()).fields, { team: 'ops' });
  const withFields = (await etcd.get(key).exec()).kvs[0]!.mod_revision;

  // Two editors: this page edits the topic while someone else changes startAt first.
  await page.goto(`/#/collections/${encodeURIComponent(`adhoc/${conf}`)}/edit`);
  await page.locator('[name="topic"]').fill(`${p.id}-conf2`);
  const other = await api.call('PUT', `/api/collections/${encodeURIComponent(`adhoc/${conf}`)}`, {
    entry: { ...first, fields: { team: 'ops' }, startAt: 'end' },
    revision: Number(withFields),
  });
  assert.equal(other.status, 200, other.text);
  await page.getByRole('button', { name: 'Review changes' }).click();
  await page.getByRole('button', { name: 'Save' }).click();
  await waitText('#status', 'conflict');
  await waitText('#conflict-current', '"startAt": "end"');
  assert.equal((await stored()).startAt, 'end', 'the other edit stands');
  assert.equal((await stored()).topic, `${p.id}-conf`);
  await screenshot(page, 'collection-conflict');
  // Reviewed against the value that won, the diff shows what saving would undo; then saved.
  await page.getByRole('button', { name: 'Review against this value' }).click();
  await waitText('#diff .del', '"startAt": "end"');
  await waitText('#diff .add', `"topic": "${p.id}-conf2"`);
  await page.getByRole('button', { name: 'Save' }).click();
  await waitText('#status', `Saved adhoc/${conf}`);
  assert.equal((await stored()).topic, `${p.id}-conf2`);

  // Rollback to the version with the fields and the first topic: written as a new revision.
  await page.getByRole('button', { name: `Roll back to ${withFields}` }).click();
  await waitText('#status', `Rolled adhoc/${conf} back to revision ${withFields}`);
  assert.deepEqual(await stored(), { ...first, fields: { team: 'ops' } });
  await waitText('#stored', `"topic": "${p.id}-conf"`);
  assert.deepEqual(
    problems.filter((x) => !x.startsWith('409 PUT')),
    [],
  );
  problems.length = 0;
});

test('the node appears on the Nodes page, and goes offline after its agent is killed and its lease ends', async () => {
  await nav('Nodes').click();
  const agent = `[data-state-of="agent/${p.node}"]`;
  await waitText(agent, 'online');
  await waitText(`[data-state-of="metrics/${p.node}"]`, 'online');
  await page.locator(`details[data-node="${p.node}"] > summary`).click();
  await waitText(`details[data-node="${p.node}"] table`, file);
  // The host's CPU and memory, read from the InfluxDB that metrics instance writes to.
  await waitText(`details[data-node="${p.node}"] .host`, /CPU used\s*\d/, 30_000);
  await screenshot(page, 'nodes');
  await p.agent!.kill9();
  say(`agent of ${p.node} killed; waiting for its lease to end`);
  // The lease is at least 10 s; the page learns of it from the server's event stream.
  await waitText(agent, 'offline', 45_000);
  assert.equal((await page.locator(agent).textContent())?.trim(), 'offline');
  // Only the agent went: the metrics instance on the same node still reports.
  assert.equal((await page.locator(`[data-state-of="metrics/${p.node}"]`).textContent())?.trim(), 'online');
  await screenshot(page, 'nodes-offline');
  assert.deepEqual(problems, []);
});

test('keys, audit, dead letters; delete goes to the recycle bin and restore brings the entry back', async () => {
  const api = new ApiClient(c.url);
  await api.login('alice', PASSWORDS.alice);
  const old = `old-${p.id}`;
  const put = await api.call('PUT', `/api/collections/${encodeURIComponent(`adhoc/${old}`)}`, {
    entry: { source: { files: { paths: [join(p.dir, 'old.log')] } }, topic: `${p.id}-old` },
    revision: 0,
  });
  assert.equal(put.status, 201, put.text);

  await page.goto(`/#/collections/${encodeURIComponent(`adhoc/${old}`)}`);
  await page.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('button', { name: 'Yes, delete' }).click();
  await waitText('#status', `Deleted adhoc/${old}`);
  assert.equal(await etcd.get(adhocEntryKey(old)).string(), null);

  await nav('Trash').click();
  await page.getByRole('button', { name: `Restore adhoc/${old}` }).waitFor();
  await screenshot(page, 'trash');
  await page.getByRole('button', { name: `Restore adhoc/${old}` }).click();
  await waitText('#status', `Restored adhoc/${old}`);
  assert.ok(await etcd.get(adhocEntryKey(old)).string());

  await nav('Audit').click();
  await waitText('#audit tbody tr', /alice.*restore/);
  const actions = await page.locator('#audit tbody tr td:nth-child(4)').allTextContents();
  assert.deepEqual(actions.slice(0, 3), ['restore', 'delete', 'create']);
  await screenshot(page, 'audit');

  await nav('Keys').click();
  await page.getByRole('link', { name: adhocEntryKey(name) }).click();
  await waitFor('the key view showing the value', async () =>
    (await page.locator('#key-value').inputValue()).includes(`"topic": "${topic}"`),
  );
  // Alice edits ad-hoc entries through the form; raw keys need the admin role.
  await waitText('#key-why', 'admin');
  assert.ok(await page.getByRole('button', { name: 'Save' }).isDisabled());
  await screenshot(page, 'key');
  await nav('Keys').click();
  await waitText('#keys tbody', adhocEntryKey(name));
  await screenshot(page, 'keys');

  await nav('Dead letters').click();
  await page.locator('#dlq-collection option', { hasText: collection }).waitFor({ state: 'attached' });
  await page.locator('#dlq-collection').selectOption(collection);
  await page.getByRole('button', { name: 'Show' }).click();
  await waitText('#dlq caption', `dead letter(s) of ${collection}`);
  await screenshot(page, 'dead-letters');
  assert.deepEqual(problems, []);
});

test('from the keyboard: the skip link, the navigation by Tab and Enter, a review by Enter; every control has a label', async () => {
  await page.goto('/#/collections');
  await page.reload();
  await page.locator('#collections table').waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.locator(':focus').textContent(), 'Skip to content');
  let onNodes = false;
  for (let i = 0; i < 12 && !onNodes; i++) {
    await page.keyboard.press('Tab');
    onNodes = (await page.locator(':focus').textContent()) === 'Nodes';
  }
  assert.ok(onNodes, 'the Nodes link is reached by Tab');
  await page.keyboard.press('Enter');
  await page.waitForURL(/#\/nodes$/);

  // A control with neither a <label> nor an aria-label has no name for assistive technology.
  type Control = {
    labels?: { length: number } | null;
    name?: string;
    outerHTML: string;
    getAttribute(n: string): string | null;
  };
  const unlabelled = () =>
    page
      .locator('main input, main select, main textarea')
      .evaluateAll((els) =>
        (els as unknown as Control[])
          .filter((el) => !el.labels?.length && !el.getAttribute('aria-label'))
          .map((el) => el.name || el.outerHTML.slice(0, 80)),
      );
  for (const route of [
    '#/search',
    '#/dlq',
    '#/keys',
    '#/audit',
    `#/collections/${encodeURIComponent(collection)}/edit`,
  ]) {
    await page.goto(`/${route}`);
    await page.locator('main form').first().waitFor();
    assert.deepEqual(await unlabelled(), [], route);
  }
  // Enter in a field of the editor reviews the entry (the form's submit).
  await page.locator('[name="topic"]').focus();
  await page.keyboard.press('Enter');
  await waitText('.review', 'Nothing changed.');
  assert.deepEqual(problems, []);
});

test('a viewer sees why saving is disabled, and when a save is forced the server refuses it (403) and the page says so', async () => {
  const viewer = await openPage(browser, c.url);
  try {
    const v = viewer.page;
    await signIn(v, 'victor', PASSWORDS.victor);
    await v.goto(`/#/collections/${encodeURIComponent(collection)}`);
    await v.locator('#write-why', { hasText: 'viewer' }).waitFor();
    assert.ok(await v.getByRole('button', { name: 'Edit' }).isDisabled());
    assert.ok(await v.getByRole('button', { name: 'Delete' }).isDisabled());

    await v.goto(`/#/collections/${encodeURIComponent(collection)}/edit`);
    await v.locator('#viewer-notice', { hasText: 'needs the editor role' }).waitFor();
    await v.locator('[name="topic"]').fill(`${topic}-changed`);
    await v.getByRole('button', { name: 'Review changes' }).click();
    const save = v.locator('#save');
    await save.waitFor();
    assert.ok(await save.isDisabled());
    await screenshot(v, 'viewer');

    // Past the disabled button (as a hand-made request would be): the server decides.
    await save.evaluate((b) => b.removeAttribute('disabled'));
    await save.click();
    await v.locator('#status', { hasText: /not allowed \(403\)/ }).waitFor();
    assert.equal(JSON.parse((await etcd.get(adhocEntryKey(name)).string()) ?? '{}').topic, topic);
    assert.deepEqual(
      viewer.problems.filter((x) => !/403/.test(x)),
      [],
    );
  } finally {
    await viewer.context.close();
  }
});
