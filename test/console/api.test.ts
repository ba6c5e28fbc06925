// The console's API against the real etcd: create, edit, delete, validation errors naming the
// field, concurrent edits (one wins, the other gets a conflict with the current value), auth
// and roles, CSRF, audit records, rollback, the recycle bin, the Keys browser, and that no
// answer ever holds a secret. Every name is unique to this run, so nothing else is touched.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { adhocEntryKey, k8sEntryKey } from '../../common/keyspace.ts';
import { testEtcd } from '../support/etcd.ts';
import { waitFor } from '../support/wait.ts';
import { ApiClient, PASSWORDS, TOKEN, enc, startConsole, usersFile, type RunningConsole } from './harness.ts';

const id = Date.now().toString(36);
const nameOf = (n: string) => `adhoc/cst-${id}-${n}`;
const keyOf = (n: string) => adhocEntryKey(`cst-${id}-${n}`);
const entry = (topic: string, path = '/var/log/console-test.log', extra: Record<string, unknown> = {}) => ({
  source: { files: { paths: [path] } },
  topic,
  ...extra,
});

const etcd = testEtcd();
after(() => etcd.close());

test('without a users file the console is read-only: reads work, every write is refused and etcd is untouched', async () => {
  const c = await startConsole();
  try {
    const api = new ApiClient(c.url);
    const me = await api.call('GET', '/api/me');
    assert.equal(me.status, 200);
    assert.deepEqual([me.body.user, me.body.readOnly], [null, true]);
    assert.equal((await api.call('GET', '/api/collections')).status, 200);
    const put = await api.call('PUT', `/api/collections/${enc(nameOf('ro'))}`, {
      entry: entry('ro'),
      revision: 0,
    });
    assert.equal(put.status, 403);
    assert.match(String(put.body.error), /read-only/);
    assert.equal(await etcd.get(keyOf('ro')).string(), null);
    const login = await api.call('POST', '/api/login', { user: 'alice', password: 'x' });
    assert.equal(login.status, 403);
  } finally {
    await c.stop();
  }
});

describe('with users, roles and a token', () => {
  let c: RunningConsole;
  let dir: string;
  let hashes: string[];
  const answers: string[] = [];
  const client = () => {
    const a = new ApiClient(c.url);
    const call = a.call.bind(a);
    a.call = async (...args) => {
      const r = await call(...args);
      answers.push(r.text, JSON.stringify([...r.headers]));
      return r as never;
    };
    return a;
  };
  const alice = async () => {
    const a = client();
    assert.equal((await a.login('alice', PASSWORDS.alice)).status, 200);
    return a;
  };
  const visible = (api: ApiClient, name: string, modRevision: number) =>
    waitFor(`${name} at revision ${modRevision} in /api/collections/:name`, async () => {
      const r = await api.call('GET', `/api/collections/${enc(name)}`);
      return r.status === 200 && r.body.modRevision === modRevision ? r : undefined;
    });

  before(async () => {
    const u = await usersFile();
    dir = u.dir;
    hashes = u.hashes;
    c = await startConsole({ LCS_CONSOLE_USERS_FILE: u.file });
  });
  after(async () => {
    await c.stop();
    rmSync(dir, { recursive: true, force: true });
    await etcd.delete().prefix(adhocEntryKey(`cst-${id}-`));
    await etcd.delete().prefix(adhocEntryKey(`ci-cst-${id}-`));
  });

  test('no session: every API call but /api/me and /api/login is 401; a wrong password and an unknown user get the same answer', async () => {
    const api = client();
    assert.equal((await api.call('GET', '/api/collections')).status, 401);
    assert.equal(
      (await api.call('PUT', `/api/collections/${enc(nameOf('x'))}`, { entry: entry('x'), revision: 0 }))
        .status,
      401,
    );
    const me = await api.call('GET', '/api/me');
    assert.deepEqual([me.status, me.body.needLogin], [200, true]);
    const wrong = await api.login('alice', 'not-her-password');
    const unknown = await api.login('mallory', 'whatever-password');
    assert.deepEqual([wrong.status, unknown.status], [401, 401]);
    assert.equal(wrong.body.error, unknown.body.error);
    assert.equal(api.cookie, undefined);
  });

  test('create: refused without the CSRF token, then created, shown with its origin, audited', async () => {
    const api = await alice();
    const url = `/api/collections/${enc(nameOf('web'))}`;
    const noCsrf = await api.call(
      'PUT',
      url,
      { entry: entry(`cst-${id}-web`), revision: 0 },
      { 'x-lcs-csrf': '' },
    );
    assert.equal(noCsrf.status, 403);
    assert.match(String(noCsrf.body.error), /x-lcs-csrf/);
    assert.equal(await etcd.get(keyOf('web')).string(), null, 'nothing written without the CSRF token');
    const created = await api.call('PUT', url, { entry: entry(`cst-${id}-web`), revision: 0 });
    assert.equal(created.status, 201, created.text);
    const rev = Number(created.body.modRevision);
    assert.deepEqual(JSON.parse((await etcd.get(keyOf('web')).string())!), entry(`cst-${id}-web`));
    const shown = await visible(api, nameOf('web'), rev);
    assert.deepEqual(
      [shown.body.origin, shown.body.topic, shown.body.readOnly],
      ['ad-hoc', `cst-${id}-web`, false],
    );
    const list = await api.call<{ collections: { name: string }[] }>('GET', '/api/collections');
    assert.ok(list.body.collections.some((x) => x.name === nameOf('web')));
    const audit = await api.call<{ records: Record<string, unknown>[] }>(
      'GET',
      `/api/audit?key=${enc(keyOf('web'))}`,
    );
    assert.equal(audit.body.records.length, 1);
    const r = audit.body.records[0]!;
    assert.deepEqual([r.action, r.user, r.before, r.modRevision], ['create', 'alice', null, rev]);
    assert.match(String(r.client), /127\.0\.0\.1/);
    assert.deepEqual(JSON.parse(String(r.after)), entry(`cst-${id}-web`));
  });

  test('validation: each problem names its field; nothing is written', async () => {
    const api = await alice();
    const url = `/api/collections/${enc(nameOf('bad'))}`;
    const badRegex = await api.call<{ issues: { path: string; message: string }[] }>('PUT', url, {
      entry: entry(`cst-${id}-bad`, '/var/log/b.log', { parse: { multiline: { start: '^(\\d+' } } }),
      revision: 0,
    });
    assert.equal(badRegex.status, 400);
    assert.deepEqual(
      badRegex.body.issues.map((i) => i.path),
      ['parse.multiline.start'],
    );
    const badTopic = await api.call<{ issues: { path: string }[] }>('PUT', url, {
      entry: { ...entry('no spaces allowed') },
      revision: 0,
    });
    assert.equal(badTopic.status, 400);
    assert.deepEqual(
      badTopic.body.issues.map((i) => i.path),
      ['topic'],
    );
    const relative = await api.call<{ ok: boolean; issues: { path: string }[] }>('POST', '/api/validate', {
      entry: entry('t', 'relative/path.log'),
    });
    assert.equal(relative.body.ok, false);
    assert.ok(
      relative.body.issues.some((i) => i.path.startsWith('source.files.paths')),
      relative.text,
    );
    assert.equal(await etcd.get(keyOf('bad')).string(), null);
    const notJson = await api.call('PUT', url, undefined, { 'content-type': 'application/json' });
    assert.equal(notJson.status, 400);
  });

  test('edits on a stale revision conflict with the current value; of two concurrent edits exactly one wins', async () => {
    const api = await alice();
    const url = `/api/collections/${enc(nameOf('race'))}`;
    const v1 = await api.call('PUT', url, { entry: entry(`cst-${id}-race`), revision: 0 });
    const rev1 = Number(v1.body.modRevision);
    const v2 = await api.call('PUT', url, {
      entry: entry(`cst-${id}-race`, '/var/log/two.log'),
      revision: rev1,
    });
    assert.equal(v2.status, 200);
    const stale = await api.call<{ current: { value: string; modRevision: number } }>('PUT', url, {
      entry: entry(`cst-${id}-race`, '/var/log/stale.log'),
      revision: rev1,
    });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.current.modRevision, Number(v2.body.modRevision));
    assert.deepEqual(JSON.parse(stale.body.current.value).source.files.paths, ['/var/log/two.log']);
    const rev2 = Number(v2.body.modRevision);
    const other = await alice();
    const [a, b] = await Promise.all([
      api.call('PUT', url, { entry: entry(`cst-${id}-race`, '/var/log/a.log'), revision: rev2 }),
      other.call('PUT', url, { entry: entry(`cst-${id}-race`, '/var/log/b.log'), revision: rev2 }),
    ]);
    assert.deepEqual([a.status, b.status].sort(), [200, 409]);
    const winner = a.status === 200 ? '/var/log/a.log' : '/var/log/b.log';
    assert.deepEqual(JSON.parse((await etcd.get(keyOf('race')).string())!).source.files.paths, [winner]);
    const audit = await api.call<{ records: { action: string }[] }>(
      'GET',
      `/api/audit?key=${enc(keyOf('race'))}`,
    );
    assert.deepEqual(
      audit.body.records.map((r) => r.action),
      ['update', 'update', 'create'],
      'the loser left no audit record',
    );
  });

  test('roles: a viewer cannot write; operator-owned and legacy entries are read-only with the way to edit them', async () => {
    const victor = client();
    assert.equal((await victor.login('victor', PASSWORDS.victor)).status, 200);
    const put = await victor.call('PUT', `/api/collections/${enc(nameOf('v'))}`, {
      entry: entry('v'),
      revision: 0,
    });
    assert.equal(put.status, 403);
    assert.match(String(put.body.error), /victor is viewer .* needs editor/);
    assert.equal(await etcd.get(keyOf('v')).string(), null);
    const root = client();
    await root.login('root', PASSWORDS.root);
    const k8s = await root.call('PUT', `/api/collections/${enc(`k8s/cst-${id}/web`)}`, {
      entry: entry('k'),
      revision: 0,
    });
    assert.equal(k8s.status, 403);
    assert.match(String(k8s.body.error), /kubectl/);
    assert.equal(await etcd.get(k8sEntryKey(`cst-${id}`, 'web')).string(), null);
    const legacy = await root.call('DELETE', `/api/collections/${enc('legacy/0')}?revision=1`);
    assert.equal(legacy.status, 403);
  });

  test('delete goes to the recycle bin; restore puts it back; a name taken again is not overwritten', async () => {
    const api = await alice();
    const url = `/api/collections/${enc(nameOf('bin'))}`;
    const v = entry(`cst-${id}-bin`);
    const created = await api.call('PUT', url, { entry: v, revision: 0 });
    const stale = await api.call('DELETE', `${url}?revision=${Number(created.body.modRevision) - 1}`);
    assert.equal(stale.status, 409);
    const del = await api.call('DELETE', `${url}?revision=${created.body.modRevision}`);
    assert.equal(del.status, 200, del.text);
    assert.equal(await etcd.get(keyOf('bin')).string(), null);
    const trash = await api.call<{ items: { id: string; name: string; deletedBy: string; value: string }[] }>(
      'GET',
      '/api/trash',
    );
    const item = trash.body.items.find((i) => i.id === del.body.trash)!;
    assert.deepEqual([item.name, item.deletedBy, JSON.parse(item.value)], [nameOf('bin'), 'alice', v]);
    const restored = await api.call('POST', `/api/trash/${enc(item.id)}/restore`);
    assert.equal(restored.status, 200, restored.text);
    assert.deepEqual(JSON.parse((await etcd.get(keyOf('bin')).string())!), v);
    assert.equal((await api.call('POST', `/api/trash/${enc(item.id)}/restore`)).status, 404, 'restored once');
    // Deleted again, the name taken by a new entry: restoring must not overwrite it.
    const cur = Number(restored.body.modRevision);
    const del2 = await api.call('DELETE', `${url}?revision=${cur}`);
    const again = await api.call('PUT', url, {
      entry: entry(`cst-${id}-bin`, '/var/log/new.log'),
      revision: 0,
    });
    assert.equal(again.status, 201);
    const clash = await api.call('POST', `/api/trash/${enc(String(del2.body.trash))}/restore`);
    assert.equal(clash.status, 409);
    assert.deepEqual(JSON.parse((await etcd.get(keyOf('bin')).string())!).source.files.paths, [
      '/var/log/new.log',
    ]);
    const audit = await api.call<{ records: { action: string }[] }>(
      'GET',
      `/api/audit?key=${enc(keyOf('bin'))}`,
    );
    assert.deepEqual(
      audit.body.records.map((r) => r.action),
      ['create', 'delete', 'restore', 'delete', 'create'],
    );
  });

  test('history from etcd revisions, newest first; rollback writes an old value as a new revision', async () => {
    const api = await alice();
    const url = `/api/collections/${enc(nameOf('hist'))}`;
    const paths = ['/var/log/h1.log', '/var/log/h2.log', '/var/log/h3.log'];
    let rev = 0;
    const revs: number[] = [];
    for (const p of paths) {
      const r = await api.call('PUT', url, { entry: entry(`cst-${id}-hist`, p), revision: rev });
      rev = Number(r.body.modRevision);
      revs.push(rev);
    }
    const h = await api.call<{
      versions: { modRevision: number; entry: { source: { files: { paths: string[] } } } }[];
    }>('GET', `${url}/history`);
    assert.deepEqual(
      h.body.versions.map((v) => v.modRevision),
      [...revs].reverse(),
    );
    assert.deepEqual(
      h.body.versions.map((v) => v.entry.source.files.paths[0]),
      [...paths].reverse(),
    );
    const staleRollback = await api.call('POST', `${url}/rollback`, {
      toRevision: revs[0],
      revision: revs[1],
    });
    assert.equal(staleRollback.status, 409);
    const rb = await api.call('POST', `${url}/rollback`, { toRevision: revs[0], revision: rev });
    assert.equal(rb.status, 200, rb.text);
    assert.ok(Number(rb.body.modRevision) > rev);
    assert.deepEqual(JSON.parse((await etcd.get(keyOf('hist')).string())!).source.files.paths, [paths[0]]);
    const audit = await api.call<{ records: { action: string; detail?: { toRevision: number } }[] }>(
      'GET',
      `/api/audit?key=${enc(keyOf('hist'))}&limit=1`,
    );
    assert.deepEqual(
      [audit.body.records[0]!.action, audit.body.records[0]!.detail?.toRevision],
      ['rollback', revs[0]],
    );
  });

  test('a bearer token writes within its prefix without a CSRF token, and nowhere else', async () => {
    const ci = client();
    ci.bearer = TOKEN;
    const ok = await ci.call('PUT', `/api/collections/${enc(`adhoc/ci-cst-${id}-a`)}`, {
      entry: entry(`ci-${id}`),
      revision: 0,
    });
    assert.equal(ok.status, 201, ok.text);
    const outside = await ci.call('PUT', `/api/collections/${enc(nameOf('ci'))}`, {
      entry: entry('x'),
      revision: 0,
    });
    assert.equal(outside.status, 403);
    const bad = client();
    bad.bearer = 'tok-wrong';
    assert.equal((await bad.call('GET', '/api/collections')).status, 401);
    const auditUrl = `/api/audit?key=${enc(adhocEntryKey(`ci-cst-${id}-a`))}`;
    assert.equal((await ci.call('GET', auditUrl)).status, 403, 'the token may not read the audit log');
    const audit = await (await alice()).call<{ records: { user: string }[] }>('GET', auditUrl);
    assert.deepEqual(
      audit.body.records.map((r) => r.user),
      ['ci'],
    );
  });

  test('Keys: one page at a time from an etcd range with a limit; only the configured prefixes; raw writes need admin and validate collect entries', async () => {
    const api = await alice();
    for (const n of ['k1', 'k2', 'k3'])
      await api.call('PUT', `/api/collections/${enc(nameOf(n))}`, {
        entry: entry(`cst-${id}-${n}`),
        revision: 0,
      });
    const prefix = adhocEntryKey(`cst-${id}-k`);
    const p1 = await api.call<{ keys: { key: string; kind: string }[]; next?: string }>(
      'GET',
      `/api/keys?prefix=${enc(prefix)}&limit=2`,
    );
    assert.deepEqual(
      p1.body.keys.map((k) => k.key),
      [keyOf('k1'), keyOf('k2')],
    );
    assert.equal(p1.body.keys[0]!.kind, 'collect');
    const p2 = await api.call<{ keys: { key: string }[]; next?: string }>(
      'GET',
      `/api/keys?prefix=${enc(prefix)}&limit=2&after=${enc(p1.body.next!)}`,
    );
    assert.deepEqual(
      p2.body.keys.map((k) => k.key),
      [keyOf('k3')],
    );
    assert.equal(p2.body.next, undefined);
    assert.equal((await api.call('GET', `/api/keys?prefix=${enc('/registry/')}`)).status, 403);
    const one = await api.call('GET', `/api/key?key=${enc(keyOf('k1'))}`);
    assert.deepEqual(JSON.parse(String(one.body.value)), entry(`cst-${id}-k1`));
    const rev = Number(one.body.modRevision);
    const notAdmin = await api.call('PUT', '/api/key', { key: keyOf('k1'), value: '{}', revision: rev });
    assert.equal(notAdmin.status, 403);
    const root = client();
    await root.login('root', PASSWORDS.root);
    const invalid = await root.call<{ issues: { path: string }[] }>('PUT', '/api/key', {
      key: keyOf('k1'),
      value: '{"topic": 1}',
      revision: rev,
    });
    assert.equal(invalid.status, 400);
    assert.ok(
      invalid.body.issues.some((i) => i.path === 'topic'),
      invalid.text,
    );
    assert.equal((await etcd.get(keyOf('k1')).string())?.includes(`cst-${id}-k1`), true);
  });

  test('the Collections list is paged and filtered on the server', async () => {
    const api = await alice();
    for (const n of ['pg-a', 'pg-b', 'pg-c'])
      await api.call('PUT', `/api/collections/${enc(nameOf(n))}`, {
        entry: entry(`cst-${id}-${n}`),
        revision: 0,
      });
    const q = enc(`cst-${id}-pg-`);
    const all = await waitFor('the three entries listed', async () => {
      const r = await api.call<{ collections: { name: string }[]; total: number }>(
        'GET',
        `/api/collections?q=${q}`,
      );
      return r.body.total === 3 ? r : undefined;
    });
    assert.deepEqual(
      all.body.collections.map((x) => x.name),
      ['pg-a', 'pg-b', 'pg-c'].map(nameOf),
    );
    const p1 = await api.call<{ collections: { name: string }[]; total: number; next: string }>(
      'GET',
      `/api/collections?q=${q}&limit=2`,
    );
    assert.deepEqual(
      [p1.body.collections.map((x) => x.name), p1.body.total, p1.body.next],
      [['pg-a', 'pg-b'].map(nameOf), 3, nameOf('pg-b')],
    );
    const p2 = await api.call<{ collections: { name: string }[]; next?: string }>(
      'GET',
      `/api/collections?q=${q}&limit=2&after=${enc(p1.body.next)}`,
    );
    assert.deepEqual([p2.body.collections.map((x) => x.name), p2.body.next], [[nameOf('pg-c')], undefined]);
  });

  test('no answer holds a password, a hash, the token or the session key', () => {
    assert.ok(answers.length > 20, `answers were recorded (${answers.length})`);
    const secrets = [...Object.values(PASSWORDS), TOKEN, ...hashes, ...hashes.map((h) => h.split('$')[5]!)];
    for (const text of answers)
      for (const s of secrets)
        assert.ok(!text.includes(s), `an answer holds a secret: ${text.slice(0, 200)}`);
  });
});
