// The CollectEntry: what to collect, from where, how to parse it, where to send it.
// This one definition is the source of the TypeScript types, the runtime validator, the
// CRD's openAPIV3Schema (crds/ is generated from it) and the console's form validation.

import { array, integer, object, optional, record, string, type Infer, type Issue } from './dsl.ts';

const regexCheck = (v: string): string | undefined => {
  try {
    new RegExp(v);
    return undefined;
  } catch (err) {
    return `not a valid regular expression: ${(err as Error).message}`;
  }
};

const labelKey =
  '^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]{0,61}[a-zA-Z0-9])?$';

export const labelSelectorSchema = object(
  {
    matchLabels: optional(record(string({ maxLength: 63 }), { keyPattern: labelKey })),
    matchExpressions: optional(
      array(
        object({
          key: string({ minLength: 1, maxLength: 316 }),
          operator: string({ enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const }),
          values: optional(array(string({ maxLength: 63 }))),
        }),
      ),
    ),
  },
  { description: 'A Kubernetes label selector; an empty selector matches everything.' },
);

const globList = (description: string) =>
  array(
    string({
      minLength: 1,
      maxLength: 4096,
      description: 'An absolute path or glob (*, **, ?, [..], {a,b}).',
    }),
    {
      description,
      maxItems: 256,
    },
  );

export const filesSourceSchema = object({
  paths: array(
    string({
      minLength: 1,
      maxLength: 4096,
      pattern: '^/',
      patternHint: 'must be an absolute path (start with /)',
    }),
    { minItems: 1, maxItems: 256, description: 'Absolute paths or globs of files on the node.' },
  ),
  exclude: optional(globList('Globs of files to leave out.')),
});

export const podsSourceSchema = object({
  namespace: string({
    minLength: 1,
    maxLength: 63,
    pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
    patternHint: 'is not a valid namespace name',
  }),
  selector: optional(labelSelectorSchema),
  containers: optional(array(string({ minLength: 1, maxLength: 253 }), { maxItems: 64 })),
});

export const sourceSchema = object(
  { files: optional(filesSourceSchema), pods: optional(podsSourceSchema) },
  {
    description: 'Exactly one of files or pods.',
    rules: [
      {
        cel: 'has(self.files) != has(self.pods)',
        message: 'exactly one of files or pods must be set',
        check: (s) => (s.files !== undefined) !== (s.pods !== undefined),
      },
    ],
  },
);

export const multilineSchema = object({
  start: string({
    minLength: 1,
    maxLength: 1024,
    check: regexCheck,
    description: 'Regex that starts a new event.',
  }),
  maxLines: optional(integer({ minimum: 1, maximum: 100000 }), 500),
  maxBytes: optional(integer({ minimum: 1024, maximum: 16 * 1024 * 1024 }), 1024 * 1024),
  flushTimeoutMs: optional(integer({ minimum: 10, maximum: 60000 }), 1000),
});

export const FORMATS = ['raw', 'json', 'cri', 'docker', 'auto'] as const;

export const parseSchema = object({
  format: optional(string({ enum: FORMATS }), 'raw'),
  multiline: optional(multilineSchema),
});

export const nodesSchema = object(
  {
    names: optional(array(string({ minLength: 1, maxLength: 253 }), { maxItems: 5000 })),
    selector: optional(labelSelectorSchema),
  },
  { description: 'Which nodes run this entry; absent means every node.' },
);

export const kafkaTopicSchema = object(
  {
    partitions: optional(
      integer({ minimum: 1, maximum: 10000, description: 'Partitions of the topic when it is created.' }),
    ),
    replicationFactor: optional(
      integer({
        minimum: 1,
        maximum: 32,
        description: 'Replicas of each partition when the topic is created.',
      }),
    ),
    retentionMs: optional(
      integer({ minimum: -1, description: "The topic's retention.ms when it is created (-1: forever)." }),
    ),
  },
  {
    description:
      'How to create the topic if it does not exist (only when the operator is configured to create topics; an existing topic is never changed).',
  },
);

const TOPIC = '^[a-zA-Z0-9._-]{1,249}$';
const INDEX = '^[a-z0-9][a-z0-9._-]{0,200}$';

export const collectEntrySchema = object({
  source: sourceSchema,
  nodes: optional(nodesSchema),
  parse: optional(parseSchema),
  fields: optional(
    record(string({ maxLength: 4096 }), {
      keyPattern: '^[A-Za-z_][A-Za-z0-9_.-]{0,127}$',
      maxProperties: 64,
    }),
  ),
  startAt: optional(string({ enum: ['end', 'beginning'] as const })),
  topic: string({
    pattern: TOPIC,
    patternHint: 'is not a valid Kafka topic name (letters, digits, ".", "_", "-"; at most 249)',
  }),
  kafka: optional(kafkaTopicSchema),
  index: optional(
    string({
      pattern: INDEX,
      patternHint: 'is not a valid Elasticsearch index base name (lowercase letters, digits, ".", "_", "-")',
    }),
  ),
});

export type CollectEntry = Infer<typeof collectEntrySchema>;
export type LabelSelector = Infer<typeof labelSelectorSchema>;
export type ParseConfig = Infer<typeof parseSchema>;
export type Format = (typeof FORMATS)[number];

export type ParseResult<T> = { ok: true; value: T } | { ok: false; issues: Issue[] };

export function parseCollectEntry(value: unknown): ParseResult<CollectEntry> {
  const issues: Issue[] = [];
  const out = collectEntrySchema.parse(value, '', issues);
  return out === undefined || issues.length ? { ok: false, issues } : { ok: true, value: out };
}

/** Parses the raw etcd value: JSON text first, then the schema. */
export function decodeCollectEntry(raw: string): ParseResult<CollectEntry> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    return { ok: false, issues: [{ path: '(value)', message: `not valid JSON: ${(err as Error).message}` }] };
  }
  return parseCollectEntry(json);
}

/** The index base name for an entry: its `index`, else its topic lowercased. */
export function indexBase(entry: Pick<CollectEntry, 'topic' | 'index'>): string {
  return entry.index ?? entry.topic.toLowerCase();
}
