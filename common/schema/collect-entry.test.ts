import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectEntrySchema, decodeCollectEntry, indexBase, parseCollectEntry } from './collect-entry.ts';
import { formatIssues } from './dsl.ts';

const ok = { source: { files: { paths: ['/var/log/app/*.log'] } }, topic: 'app' };

test('a minimal files entry is valid and gets defaults only where declared', () => {
  const r = parseCollectEntry(ok);
  assert.ok(r.ok);
  assert.deepEqual(r.value, ok);
  const withParse = parseCollectEntry({ ...ok, parse: {} });
  assert.ok(withParse.ok);
  assert.equal(withParse.value.parse?.format, 'raw');
});

test('each rule names the path and the problem', () => {
  const cases: [unknown, string][] = [
    [{ source: { files: { paths: ['/x'] } } }, 'topic: is required'],
    [{ ...ok, bogus: 1 }, 'bogus: unknown field'],
    [{ ...ok, topic: 'a b' }, 'topic: "a b" is not a valid Kafka topic name'],
    [{ ...ok, index: 'Upper' }, 'index: "Upper" is not a valid Elasticsearch index base name'],
    [
      { source: { files: { paths: ['relative.log'] } }, topic: 't' },
      'source.files.paths[0]: "relative.log" must be an absolute path',
    ],
    [{ source: { files: { paths: [] } }, topic: 't' }, 'source.files.paths: must have at least 1 item(s)'],
    [{ source: {}, topic: 't' }, 'source: exactly one of files or pods must be set'],
    [
      { source: { files: { paths: ['/a'] }, pods: { namespace: 'n' } }, topic: 't' },
      'source: exactly one of files or pods must be set',
    ],
    [
      { ...ok, parse: { format: 'xml' } },
      'parse.format: must be one of raw, json, cri, docker, auto; got "xml"',
    ],
    [
      { ...ok, parse: { multiline: { start: '([' } } },
      'parse.multiline.start: not a valid regular expression',
    ],
    [{ ...ok, parse: { multiline: { start: '^x', maxLines: 0 } } }, 'parse.multiline.maxLines: must be >= 1'],
    [{ ...ok, startAt: 'middle' }, 'startAt: must be one of end, beginning'],
    [{ ...ok, fields: { 'bad key!': 'v' } }, 'fields.bad key!: key does not match'],
    [
      { ...ok, source: { pods: { namespace: 'Bad_NS' } } },
      'source.pods.namespace: "Bad_NS" is not a valid namespace name',
    ],
    [
      { ...ok, nodes: { selector: { matchExpressions: [{ key: 'k', operator: 'Maybe' }] } } },
      'nodes.selector.matchExpressions[0].operator: must be one of',
    ],
  ];
  for (const [value, expected] of cases) {
    const r = parseCollectEntry(value);
    assert.equal(r.ok, false, JSON.stringify(value));
    if (!r.ok)
      assert.ok(
        formatIssues(r.issues).includes(expected),
        `${formatIssues(r.issues)} should include ${expected}`,
      );
  }
});

test('decodeCollectEntry reports bad JSON as such', () => {
  const r = decodeCollectEntry('{"topic": ');
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.issues[0]!.message, /not valid JSON/);
});

test('the index base defaults to the topic, lowercased', () => {
  assert.equal(indexBase({ topic: 'Web' }), 'web');
  assert.equal(indexBase({ topic: 'web', index: 'logs' }), 'logs');
});

test('JSON Schema output: strict for json-schema, structural with CEL for crd', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking a JSON document
  const js = collectEntrySchema.toJsonSchema('json-schema') as any;
  assert.equal(js.additionalProperties, false);
  assert.deepEqual(js.required, ['source', 'topic']);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking a JSON document
  const crd = collectEntrySchema.toJsonSchema('crd') as any;
  assert.equal(crd.additionalProperties, undefined);
  assert.deepEqual(crd.properties.source['x-kubernetes-validations'], [
    { rule: 'has(self.files) != has(self.pods)', message: 'exactly one of files or pods must be set' },
  ]);
  assert.equal(crd.properties.parse.properties.format.default, 'raw');
});
