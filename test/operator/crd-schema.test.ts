// The committed CRD is what buildCrd() generates, and its schema (OpenAPI + CEL rules)
// accepts the examples and rejects resources the API server must refuse (test/kube/crd.test.ts
// checks the same verdicts against the real kube-apiserver).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { buildCrd, CRD_FILE, renderCrd } from '../../operator/crd.ts';
import { validate, type Schema } from '../support/kube/schema-validator.ts';
import { parseCollectEntry } from '../../common/schema/collect-entry.ts';
import { INVALID_SPECS } from '../support/kube/crd-cases.ts';

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

for (const { name, spec, expected } of INVALID_SPECS) {
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
