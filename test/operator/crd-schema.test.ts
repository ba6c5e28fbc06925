// The committed CRD is what buildCrd() generates, and its schema (OpenAPI + CEL rules)
// accepts the examples and rejects resources the API server must refuse.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { buildCrd, CRD_FILE, renderCrd } from '../../operator/crd.ts';
import { validate, type Schema } from '../support/kube/schema-validator.ts';
import { parseCollectEntry } from '../../common/schema/collect-entry.ts';

type Crd = { spec: { versions: { schema: { openAPIV3Schema: Schema } }[] } };
const schema = (buildCrd() as unknown as Crd).spec.versions[0]!.schema.openAPIV3Schema;
const EXAMPLES = resolve(import.meta.dirname, '..', '..', 'crds', 'examples');

test('crds/ holds exactly what buildCrd() generates (run operator/crd.ts --write after a schema change)', () => {
  assert.equal(readFileSync(CRD_FILE, 'utf8'), renderCrd());
  assert.deepEqual(parse(readFileSync(CRD_FILE, 'utf8')), buildCrd());
});

test('every example resource passes the CRD schema, CEL rules included, and the runtime validator', () => {
  const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 3);
  for (const f of files) {
    const doc = parse(readFileSync(join(EXAMPLES, f), 'utf8'));
    assert.deepEqual(validate(doc, schema), [], f);
    assert.equal(parseCollectEntry(doc.spec).ok, true, f);
  }
});

const base = {
  apiVersion: 'lcs.dev/v1alpha1',
  kind: 'LogCollection',
  metadata: { name: 'x', namespace: 'a' },
};
const invalid: [string, unknown, RegExp][] = [
  [
    'both sources (CEL)',
    { topic: 't', source: { files: { paths: ['/var/log/a'] }, pods: { namespace: 'a' } } },
    /exactly one of files or pods/,
  ],
  ['no source (CEL)', { topic: 't', source: {} }, /exactly one of files or pods/],
  ['missing topic', { source: { pods: { namespace: 'a' } } }, /topic: Required value/],
  ['bad topic', { topic: 'has space', source: { pods: { namespace: 'a' } } }, /spec\.topic: must match/],
  ['relative path', { topic: 't', source: { files: { paths: ['var/log/a'] } } }, /paths\[0\]: must match/],
  ['empty paths', { topic: 't', source: { files: { paths: [] } } }, /fewer than 1 items/],
  [
    'unknown format',
    { topic: 't', source: { pods: { namespace: 'a' } }, parse: { format: 'xml' } },
    /format: must be one of/,
  ],
  [
    'selector operator',
    {
      topic: 't',
      source: { pods: { namespace: 'a', selector: { matchExpressions: [{ key: 'k', operator: 'Like' }] } } },
    },
    /operator: must be one of/,
  ],
  [
    'multiline maxLines 0',
    { topic: 't', source: { pods: { namespace: 'a' } }, parse: { multiline: { start: '^x', maxLines: 0 } } },
    /maxLines: less than 1/,
  ],
  [
    'unknown field',
    { topic: 't', source: { pods: { namespace: 'a' } }, tpoic: 'typo' },
    /spec\.tpoic: unknown field/,
  ],
  [
    'startAt',
    { topic: 't', source: { pods: { namespace: 'a' } }, startAt: 'middle' },
    /startAt: must be one of/,
  ],
  [
    'uppercase index',
    { topic: 't', source: { pods: { namespace: 'a' } }, index: 'Logs' },
    /index: must match/,
  ],
];

for (const [name, spec, expected] of invalid) {
  test(`the CRD schema rejects: ${name}`, () => {
    const errors = validate({ ...base, spec }, schema);
    assert.ok(
      errors.some((e) => expected.test(e)),
      `expected ${expected} in ${JSON.stringify(errors)}`,
    );
    // The runtime validator agrees, so a resource that slipped past an old CRD is still rejected.
    assert.equal(parseCollectEntry(spec).ok, false);
  });
}

test('a resource without spec is rejected', () => {
  assert.ok(validate(base, schema).some((e) => /spec: Required value/.test(e)));
});
