// Against a stand-in for Kibana's data-view API: no Kibana can be installed here (it is not
// on the registries this machine reaches), so this is the one fake for it, speaking only the
// three calls the tool makes, as Kibana 8/9 documents them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ensureDataViews } from './kibana-data-views.ts';

test('waits for Kibana, creates the missing data views, leaves existing ones, sends the API key and kbn-xsrf', async () => {
  let statusCalls = 0;
  const posted: unknown[] = [];
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization} ${req.headers['kbn-xsrf']}`);
    if (req.url === '/api/status') return res.writeHead(++statusCalls < 3 ? 503 : 200).end('{}');
    if (req.url === '/api/data_views')
      return res.writeHead(200).end(JSON.stringify({ data_view: [{ title: 'web-*' }] }));
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      posted.push(JSON.parse(body));
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const lines: string[] = [];
  try {
    const r = await ensureDataViews({
      kibana: url,
      patterns: ['web-*', 'syslog-*'],
      waitMs: 60_000,
      timeField: '@timestamp',
      apiKey: 'k1',
      log: (l) => lines.push(l),
      sleep: async () => {},
    });
    assert.deepEqual(r, { created: ['syslog-*'], existing: ['web-*'] });
    assert.deepEqual(posted, [
      { data_view: { title: 'syslog-*', name: 'syslog-*', timeFieldName: '@timestamp' } },
    ]);
    assert.equal(statusCalls, 3);
    assert.ok(
      seen.every((s) => s.endsWith('ApiKey k1 lcs')),
      seen.join('\n'),
    );
    assert.equal(lines.filter((l) => l.startsWith('waiting for Kibana')).length, 2);
  } finally {
    server.close();
  }
});

test('a Kibana that never answers, or refuses the key, fails with what to check', async () => {
  await assert.rejects(
    ensureDataViews({
      kibana: 'http://127.0.0.1:1',
      patterns: ['a-*'],
      waitMs: 0,
      timeField: '@timestamp',
      log: () => {},
      sleep: async () => {},
    }),
    /Kibana at http:\/\/127\.0\.0\.1:1 did not answer within 0 s/,
  );
  const server = createServer((_req, res) => res.writeHead(401).end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await assert.rejects(
      ensureDataViews({
        kibana: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        patterns: ['a-*'],
        waitMs: 1000,
        timeField: '@timestamp',
        log: () => {},
      }),
      /refused the API key.*kibana\.apiKeySecret/,
    );
  } finally {
    server.close();
  }
});
