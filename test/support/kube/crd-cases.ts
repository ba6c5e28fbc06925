// Resources the LogCollection CRD must refuse, shared by the schema test against the
// project's validator (test/operator/crd-schema.test.ts) and the same verdicts from the real
// kube-apiserver (test/kube/crd.test.ts). `expected` matches the project validator's message;
// `field` is the path the real server names (its wording differs, the field does not).

export interface InvalidCase {
  name: string;
  spec: unknown;
  expected: RegExp;
  field: string;
}

export const INVALID_SPECS: readonly InvalidCase[] = [
  {
    name: 'both sources (CEL)',
    spec: { topic: 't', source: { files: { paths: ['/var/log/a'] }, pods: { namespace: 'a' } } },
    expected: /exactly one of files or pods/,
    field: 'spec.source',
  },
  {
    name: 'no source (CEL)',
    spec: { topic: 't', source: {} },
    expected: /exactly one of files or pods/,
    field: 'spec.source',
  },
  {
    name: 'missing topic',
    spec: { source: { pods: { namespace: 'a' } } },
    expected: /topic: Required value/,
    field: 'spec.topic',
  },
  {
    name: 'bad topic',
    spec: { topic: 'has space', source: { pods: { namespace: 'a' } } },
    expected: /spec\.topic: must match/,
    field: 'spec.topic',
  },
  {
    name: 'relative path',
    spec: { topic: 't', source: { files: { paths: ['var/log/a'] } } },
    expected: /paths\[0\]: must match/,
    field: 'spec.source.files.paths[0]',
  },
  {
    name: 'empty paths',
    spec: { topic: 't', source: { files: { paths: [] } } },
    expected: /fewer than 1 items/,
    field: 'spec.source.files.paths',
  },
  {
    name: 'unknown format',
    spec: { topic: 't', source: { pods: { namespace: 'a' } }, parse: { format: 'xml' } },
    expected: /format: must be one of/,
    field: 'spec.parse.format',
  },
  {
    name: 'selector operator',
    spec: {
      topic: 't',
      source: { pods: { namespace: 'a', selector: { matchExpressions: [{ key: 'k', operator: 'Like' }] } } },
    },
    expected: /operator: must be one of/,
    field: 'spec.source.pods.selector.matchExpressions[0].operator',
  },
  {
    name: 'multiline maxLines 0',
    spec: {
      topic: 't',
      source: { pods: { namespace: 'a' } },
      parse: { multiline: { start: '^x', maxLines: 0 } },
    },
    expected: /maxLines: less than 1/,
    field: 'spec.parse.multiline.maxLines',
  },
  {
    name: 'unknown field',
    spec: { topic: 't', source: { pods: { namespace: 'a' } }, tpoic: 'typo' },
    expected: /spec\.tpoic: unknown field/,
    field: 'spec.tpoic',
  },
  {
    name: 'startAt',
    spec: { topic: 't', source: { pods: { namespace: 'a' } }, startAt: 'middle' },
    expected: /startAt: must be one of/,
    field: 'spec.startAt',
  },
  {
    name: 'uppercase index',
    spec: { topic: 't', source: { pods: { namespace: 'a' } }, index: 'Logs' },
    expected: /index: must match/,
    field: 'spec.index',
  },
];
