// Generates charts/lcs/values.schema.json: the chart's structure (written here, key by key,
// as values.yaml has it), and each component's `config` derived from the same settings
// declarations the component loads, so a value the component would refuse is refused by
// `helm install` first, with the key named. Unknown keys are rejected everywhere.
// Run `sh deploy/local/run.sh charts/values-schema.ts --write` after a settings change; a
// test fails when the file is out of date.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Declarations, Setting } from '../common/config/settings.ts';
import { agentSettings } from '../agent/settings.ts';
import { transferSettings } from '../transfer/settings.ts';
import { operatorSettings } from '../operator/settings.ts';
import { metricsSettings } from '../metrics/settings.ts';
import { consoleSettings } from '../console/settings.ts';

type S = Record<string, unknown>;

/** Settings the chart sets itself (connections, secrets, mounts, the listen address): not in `config`. */
const CHART_MANAGED = [
  /^etcd\./,
  /^kafka\./,
  /^elasticsearch\./,
  /^http\.listen$/,
  /^node\.name$/,
  /^state\.dir$/,
  /^kube\.config$/,
  /^agent\.allowedRoots$/,
  /^metrics\.stateDir$/,
  /^metrics\.influx\.(url|username|passwordFile|tokenFile)$/,
  /^console\.(listen|usersFile|sessionKeyFile|secureCookie)$/,
  /^console\.influxdb\./,
  /^operator\.namespace$/,
  /^leader\.leaseNamespace$/,
];

function settingSchema(s: Setting): S {
  const description = s.description;
  switch (s.type) {
    case 'string':
      return s.choices
        ? { type: 'string', enum: [...s.choices], description }
        : { type: 'string', description };
    case 'int':
      return { type: 'integer', description };
    case 'bool':
      return { type: 'boolean', description };
    case 'list':
      return { type: 'array', items: { type: 'string' }, description };
    case 'duration':
      return {
        description: `${description} (a duration: 500ms, 5s, 2m, 1h, or milliseconds)`,
        anyOf: [
          { type: 'integer', minimum: 0 },
          { type: 'string', pattern: '^\\d+(\\.\\d+)?(ms|s|m|h)?$' },
        ],
      };
  }
}

/** A component's `config`: its settings as nested YAML (`agent.poll` ↔ `agent: {poll: …}`). */
export function configSchema(component: string, decls: Declarations): S {
  const root: S = {
    type: 'object',
    additionalProperties: false,
    properties: {},
    description: `Settings of \`lcs ${component}\` (see \`lcs ${component} --help\`).`,
  };
  for (const [key, s] of Object.entries(decls)) {
    if (CHART_MANAGED.some((re) => re.test(key))) continue;
    const parts = key.split('.');
    let node = root;
    for (const p of parts.slice(0, -1)) {
      const props = node.properties as S;
      props[p] ??= { type: 'object', additionalProperties: false, properties: {} };
      node = props[p] as S;
    }
    (node.properties as S)[parts.at(-1)!] = settingSchema(s);
  }
  return root;
}

const obj = (properties: S, description?: string): S => ({
  type: 'object',
  additionalProperties: false,
  properties,
  ...(description ? { description } : {}),
});
const str = (description: string, extra: S = {}): S => ({ type: 'string', description, ...extra });
const int = (description: string, minimum?: number, maximum?: number): S => ({
  type: 'integer',
  description,
  ...(minimum !== undefined ? { minimum } : {}),
  ...(maximum !== undefined ? { maximum } : {}),
});
const bool = (description: string): S => ({ type: 'boolean', description });
const strings = (description: string, extra: S = {}): S => ({
  type: 'array',
  items: { type: 'string' },
  description,
  ...extra,
});
const map = (description: string): S => ({
  type: 'object',
  additionalProperties: { type: 'string' },
  description,
});
const secretRef = (description: string): S =>
  obj({ name: str('Secret name (empty: not used)'), key: str('key in the Secret') }, description);
const quantity = {
  anyOf: [
    { type: 'string', pattern: '^[0-9.]+(m|Ki|Mi|Gi|Ti|k|M|G|T)?$' },
    { type: 'number', minimum: 0 },
  ],
};
const resources = obj(
  {
    requests: obj({ cpu: quantity, memory: quantity }, 'what the scheduler reserves'),
    limits: obj({ cpu: quantity, memory: quantity }, 'the most the container may use'),
  },
  'requests and limits (both required: every container has them)',
);
const resourcesRequired = { ...resources, required: ['requests', 'limits'] };
const placement = {
  nodeSelector: map('node labels the pods must match'),
  tolerations: { type: 'array', items: { type: 'object' }, description: 'Kubernetes tolerations' },
  affinity: { type: 'object', description: 'Kubernetes affinity' },
  podAnnotations: map('annotations on the pods'),
};
const image = (d: string) => str(d, { minLength: 1 });

export function valuesSchema(): S {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'LCS chart values',
    ...obj({
      image: obj({
        repository: image('image repository'),
        tag: str("image tag (empty: the chart's appVersion)"),
        pullPolicy: str('image pull policy', { enum: ['Always', 'IfNotPresent', 'Never'] }),
      }),
      imagePullSecrets: {
        type: 'array',
        items: obj({ name: str('Secret name') }),
        description: 'registry credentials',
      },
      nameOverride: str('replaces the chart name in object names'),
      fullnameOverride: str('replaces the release-chart prefix of object names', { maxLength: 40 }),
      commonLabels: map('labels added to every object'),
      runAsUser: int('uid of the components (the image user)', 1),
      runAsGroup: int('gid of the components', 1),
      bundled: obj({
        enabled: bool('run the engines in the release (trial only)'),
        storageClass: str('StorageClass of the bundled volumes'),
        etcd: obj({ image: image('etcd image'), storage: quantity }),
        kafka: obj({ image: image('Kafka image'), storage: quantity }),
        elasticsearch: obj({
          image: image('Elasticsearch image'),
          storage: quantity,
          heapMb: int('heap in MiB', 256, 31744),
        }),
        kibana: obj({ image: image('Kibana image') }),
        influxdb: obj({ image: image('InfluxDB image'), storage: quantity }),
        grafana: obj({ image: image('Grafana image') }),
      }),
      etcd: obj({
        endpoints: strings('etcd client URLs', { items: { type: 'string', pattern: '^https?://' } }),
        tlsSecret: str('Secret with ca.crt (tls.crt, tls.key for mTLS)'),
        username: str('etcd user'),
        passwordSecret: secretRef('the etcd password'),
      }),
      kafka: obj({
        brokers: strings('bootstrap brokers', { items: { type: 'string', pattern: '^[^:\\s]+:\\d{1,5}$' } }),
        tls: bool('TLS to the brokers'),
        caSecret: str('Secret with ca.crt'),
        sasl: obj({
          mechanism: str('SASL mechanism', { enum: ['', 'plain', 'scram-sha-256', 'scram-sha-512'] }),
          username: str('SASL user'),
          passwordSecret: secretRef('the SASL password'),
        }),
      }),
      elasticsearch: obj({
        url: strings('Elasticsearch URLs', { items: { type: 'string', pattern: '^https?://' } }),
        apiKeySecret: secretRef('an API key'),
        username: str('basic-auth user'),
        passwordSecret: secretRef('the basic-auth password'),
        caSecret: str('Secret with ca.crt'),
      }),
      influxdb: obj({
        url: str('InfluxDB URL', { pattern: '^(https?://.*)?$' }),
        database: str('database', { minLength: 1 }),
        username: str('user'),
        passwordSecret: secretRef('the password'),
      }),
      operator: obj({
        enabled: bool('run the operator'),
        replicas: int('replicas (one leads)', 1, 5),
        config: configSchema('operator', operatorSettings),
        resources: resourcesRequired,
        ...placement,
      }),
      agent: obj({
        enabled: bool('run the agent DaemonSet'),
        logPaths: strings('host directories read (read-only mounts)', {
          minItems: 1,
          items: { type: 'string', pattern: '^/' },
        }),
        checkpoints: obj({
          type: str('where checkpoints live', { enum: ['hostPath', 'emptyDir'] }),
          hostPath: str('host directory of the checkpoints', { pattern: '^(/.*)?$' }),
        }),
        tolerations: placement.tolerations,
        priorityClass: obj({
          create: bool('create the PriorityClass'),
          name: str('PriorityClass name (empty: none)'),
          value: int('priority', 0, 1000000000),
        }),
        config: configSchema('agent', agentSettings),
        resources: resourcesRequired,
        nodeSelector: placement.nodeSelector,
        podAnnotations: placement.podAnnotations,
      }),
      transfer: obj({
        enabled: bool('run the transfer'),
        replicas: int('replicas (members of one consumer group)', 1, 1000),
        podDisruptionBudget: obj({
          enabled: bool('create a PodDisruptionBudget'),
          minAvailable: int('pods kept during a drain', 0),
        }),
        autoscaling: obj({
          enabled: bool('create a HorizontalPodAutoscaler'),
          minReplicas: int('fewest replicas', 1),
          maxReplicas: int('most replicas', 1),
          targetCPUUtilizationPercentage: int('target CPU', 1, 100),
        }),
        config: configSchema('transfer', transferSettings),
        resources: resourcesRequired,
        ...placement,
      }),
      metrics: obj({
        enabled: bool('run the metrics service'),
        kind: str('workload kind', { enum: ['DaemonSet', 'Deployment'] }),
        replicas: int('replicas when a Deployment', 1, 100),
        tolerations: placement.tolerations,
        config: configSchema('metrics', metricsSettings),
        resources: resourcesRequired,
        nodeSelector: placement.nodeSelector,
        podAnnotations: placement.podAnnotations,
      }),
      console: obj({
        enabled: bool('run the console'),
        replicas: int('replicas', 1, 20),
        usersSecret: str('Secret with users.yaml (empty: read-only)'),
        sessionKeySecret: str('Secret with session-key'),
        service: obj({
          type: str('Service type', { enum: ['ClusterIP', 'NodePort', 'LoadBalancer'] }),
          port: int('Service port', 1, 65535),
        }),
        ingress: obj({
          enabled: bool('create an Ingress'),
          className: str('IngressClass'),
          host: str('host name'),
          annotations: map('Ingress annotations'),
          tlsSecret: str('Secret with the TLS certificate'),
        }),
        config: configSchema('console', consoleSettings),
        resources: resourcesRequired,
        ...placement,
      }),
      grafana: obj({
        provision: bool('ConfigMaps with the dashboards and the datasource'),
        dashboardLabel: str('label the dashboard sidecar looks for', { minLength: 1 }),
        datasourceLabel: str('label the datasource sidecar looks for', { minLength: 1 }),
      }),
      kibana: obj({
        url: str('Kibana URL', { pattern: '^(https?://.*)?$' }),
        dataViews: obj({
          enabled: bool('create data views'),
          patterns: strings('index patterns, one data view each'),
        }),
        apiKeySecret: secretRef('a Kibana API key'),
      }),
    }),
  };
}

if (process.argv.includes('--write')) {
  const file = path.join(import.meta.dirname, 'lcs', 'values.schema.json');
  // Formatted as `npm run format` would, so the check passes right after a --write.
  const { format } = await import('prettier');
  writeFileSync(file, await format(JSON.stringify(valuesSchema()), { parser: 'json' }));
  process.stdout.write(`wrote ${file}\n`);
}
