import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../common/errors.ts';
import { hashPassword, passwordHashProblem, sha256Hex, tokenMatches, verifyPassword } from './password.ts';
import { Sessions, parseCookies } from './session.ts';
import { atLeast, parseUsersFile, roleFor } from './users.ts';

const CHEAP = { N: 1024, r: 8, p: 1 };

test('a password verifies against its own hash only; a malformed hash never verifies', async () => {
  const h = await hashPassword('correct horse', CHEAP);
  assert.equal(passwordHashProblem(h), undefined);
  assert.equal(await verifyPassword('correct horse', h), true);
  assert.equal(await verifyPassword('correct horsf', h), false);
  assert.notEqual(await hashPassword('correct horse', CHEAP), h, 'salted');
  assert.match(passwordHashProblem('plaintext')!, /scrypt\$N\$r\$p\$salt\$hash/);
  assert.equal(await verifyPassword('plaintext', 'plaintext'), false);
});

test('tokens are compared by their SHA-256', () => {
  assert.equal(tokenMatches('abc', sha256Hex('abc')), true);
  assert.equal(tokenMatches('abd', sha256Hex('abc')), false);
  assert.equal(tokenMatches('abc', 'short'), false);
});

test('the role on a key is the highest grant whose prefix it starts with', () => {
  const g = [
    { prefix: '/', role: 'viewer' as const },
    { prefix: '/lcs/v1/collect/adhoc/', role: 'editor' as const },
  ];
  assert.equal(roleFor(g, '/lcs/v1/collect/adhoc/web'), 'editor');
  assert.equal(roleFor(g, '/lcs/v1/collect/k8s/a/b'), 'viewer');
  assert.equal(roleFor([{ prefix: '/lcs/', role: 'admin' }], '/collect_log_conf'), undefined);
  assert.equal(atLeast('editor', 'viewer'), true);
  assert.equal(atLeast('viewer', 'editor'), false);
  assert.equal(atLeast(undefined, 'viewer'), false);
});

test('a users file with a mistake names the entry and the field', async () => {
  const h = await hashPassword('x'.repeat(8), CHEAP);
  const bad: [string, RegExp][] = [
    [
      'users: [{name: a, password: plain, roles: [{prefix: /, role: viewer}]}]',
      /users\[0\]\.password \(a\) must be scrypt/,
    ],
    [
      `users: [{name: a, password: "${h}", roles: [{prefix: /, role: god}]}]`,
      /users\[0\]\.roles\[0\]\.role must be one of viewer, editor, admin/,
    ],
    [
      `users: [{name: a, password: "${h}", roles: [{prefix: lcs, role: viewer}]}]`,
      /prefix must be a key prefix starting with \//,
    ],
    [`users: [{name: a, password: "${h}", roles: []}]`, /roles must be a non-empty list/],
    [
      'tokens: [{name: t, sha256: nothex, roles: [{prefix: /, role: viewer}]}]',
      /tokens\[0\]\.sha256 \(t\) must be the 64 hex digits/,
    ],
    [
      `users: [{name: a, password: "${h}", roles: [{prefix: /, role: viewer}]}]\ntokens: [{name: a, sha256: ${'0'.repeat(64)}, roles: [{prefix: /, role: viewer}]}]`,
      /"a" appears twice/,
    ],
    ['groups: []', /unknown key "groups"/],
    ['users: [', /is not valid YAML/],
  ];
  for (const [text, re] of bad)
    assert.throws(
      () => parseUsersFile(text, 'console.usersFile (u.yaml)'),
      (e: unknown) => e instanceof ConfigError && e.key.startsWith('console.usersFile') && re.test(e.message),
      text,
    );
  const ok = parseUsersFile(`users: [{name: a, password: "${h}", roles: [{prefix: /, role: viewer}]}]`, 'f');
  assert.deepEqual(
    ok.users.map((u) => u.name),
    ['a'],
  );
});

test('a session cookie is valid until it expires and only as issued; its CSRF token is bound to it', () => {
  let now = 1_000_000;
  const s = new Sessions(Buffer.alloc(32, 1), 60_000, () => now);
  const { cookie, csrf } = s.issue('alice');
  assert.equal(s.verify(cookie), 'alice');
  assert.equal(s.csrfValid(cookie, csrf), true);
  assert.equal(s.csrfValid(cookie, csrf.slice(1) + 'x'), false);
  assert.equal(s.csrfValid(cookie, undefined), false);
  const [user, exp, nonce, mac] = cookie.split('.');
  assert.equal(
    s.verify([Buffer.from('root').toString('base64url'), exp, nonce, mac].join('.')),
    undefined,
    'another user',
  );
  assert.equal(
    s.verify([user, String(Number(exp) + 1e9), nonce, mac].join('.')),
    undefined,
    'a later expiry',
  );
  assert.equal(new Sessions(Buffer.alloc(32, 2), 60_000, () => now).verify(cookie), undefined, 'another key');
  now += 60_001;
  assert.equal(s.verify(cookie), undefined, 'expired');
  assert.deepEqual(
    [...parseCookies('a=1; lcs_session=x.y; b=2')],
    [
      ['a', '1'],
      ['lcs_session', 'x.y'],
      ['b', '2'],
    ],
  );
});
