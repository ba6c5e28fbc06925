// The Helm chart, offline: helm lint and helm template for every scenario in charts/lcs/ci
// on the last four Kubernetes minors, compared with golden files; every object validated
// against the Kubernetes schemas (kubernetes-models); the policies the chart promises
// (read-only host mounts but the checkpoints, nothing privileged, requests and limits
// everywhere, least-privilege RBAC, secrets only from Secrets); values.schema.json and the
// render-time checks refusing bad values with the key named; pods rolling only when their
// own config changes; and the chart's copies of the CRD and dashboards equal to the sources.
// Rewrite the golden files with LCS_UPDATE_GOLDEN=1 after an intended change.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../../deploy/local/layout.ts';
import { valuesSchema } from '../../charts/values-schema.ts';
import {
  CHART,
  KUBE_VERSIONS,
  SCENARIOS,
  helm,
  named,
  objects,
  podSpec,
  render,
  template,
  workloads,
  type Obj,
} from './render.ts';

const golden = (s: string) => path.join(CHART, 'tests', 'golden', `${s}.yaml`);

test('helm lint passes for every scenario', () => {
  for (const s of SCENARIOS) {
    const r = helm(['lint', CHART, '--strict', '-f', path.join(CHART, 'ci', `${s}.yaml`)]);
    assert.equal(r.code, 0, `${s}: ${r.stdout}${r.stderr}`);
  }
});

test('helm template of every scenario on Kubernetes 1.32–1.35 equals its golden file', () => {
  for (const s of SCENARIOS) {
    const out = template({ scenario: s }).stdout;
    if (process.env.LCS_UPDATE_GOLDEN === '1') writeFileSync(golden(s), out);
    assert.equal(
      out,
      readFileSync(golden(s), 'utf8'),
      `${s} differs from ${golden(s)} (LCS_UPDATE_GOLDEN=1 rewrites it)`,
    );
    for (const v of KUBE_VERSIONS) {
      const r = template({ scenario: s, kubeVersion: v });
      assert.equal(r.code, 0, `${s} on ${v}: ${r.stderr}`);
      assert.equal(r.stdout, out, `${s} renders differently on ${v}: give it a golden file per version`);
    }
  }
  assert.equal(
    template({ kubeVersion: '1.31.0' }).code,
    1,
    "Kubernetes 1.31 is refused (the chart's kubeVersion)",
  );
});

test('every rendered object validates against the Kubernetes schemas (kubernetes-models)', async () => {
  let checked = 0;
  for (const s of SCENARIOS) {
    for (const o of render({ scenario: s })) {
      const [group, version] = String(o.apiVersion).includes('/')
        ? String(o.apiVersion).split('/')
        : ['', o.apiVersion];
      const mod = (await import(
        `kubernetes-models/${group ? `${group}/` : ''}${version}/${o.kind}`
      )) as Record<string, new (d: unknown) => { validate(): void }>;
      const Model = mod[o.kind];
      assert.ok(Model, `no model for ${o.apiVersion} ${o.kind}`);
      assert.doesNotThrow(() => new Model(o).validate(), `${s}: ${o.kind} ${o.metadata?.name}`);
      checked++;
    }
  }
  assert.ok(checked > 100, `objects validated: ${checked}`);
});

test("the agent's host mounts are read-only except its checkpoints; metrics reads the host read-only", () => {
  for (const s of SCENARIOS) {
    const objs = render({ scenario: s });
    for (const w of workloads(objs)) {
      const spec = podSpec(w)!;
      const hostVols = new Map<string, string>(
        (spec.volumes ?? []).filter((v: Obj) => v.hostPath).map((v: Obj) => [v.name, v.hostPath.path]),
      );
      for (const c of spec.containers) {
        for (const m of c.volumeMounts ?? []) {
          if (!hostVols.has(m.name)) continue;
          const writable = m.readOnly !== true;
          const isCheckpoints = w.kind === 'DaemonSet' && c.name === 'agent' && m.name === 'checkpoints';
          assert.ok(
            !writable || isCheckpoints,
            `${s}: ${w.metadata.name} mounts host ${hostVols.get(m.name)} writable`,
          );
        }
      }
    }
    const agent = named(objs, 'DaemonSet', '-agent')!;
    const cp = podSpec(agent)!.volumes.find((v: Obj) => v.name === 'checkpoints');
    if (s === 'emptydir-checkpoints') assert.ok(cp.emptyDir && !cp.hostPath, 'emptyDir checkpoints');
    else assert.equal(cp.hostPath.path, '/var/lib/lcs/agent');
  }
});

test('no container is privileged; every container drops all capabilities, cannot escalate, and has requests and limits', () => {
  for (const s of SCENARIOS) {
    for (const w of workloads(render({ scenario: s }))) {
      const spec = podSpec(w)!;
      assert.ok(!spec.hostPID && !spec.hostIPC, `${w.metadata.name}: no host PID/IPC namespace`);
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        const at = `${s}: ${w.metadata.name}/${c.name}`;
        const sc = c.securityContext ?? {};
        assert.notEqual(sc.privileged, true, `${at} privileged`);
        assert.equal(sc.allowPrivilegeEscalation, false, `${at} allowPrivilegeEscalation`);
        assert.deepEqual(sc.capabilities?.drop, ['ALL'], `${at} capabilities`);
        assert.equal(sc.capabilities?.add, undefined, `${at} adds capabilities`);
        for (const k of ['requests', 'limits'])
          for (const r of ['cpu', 'memory']) assert.ok(c.resources?.[k]?.[r], `${at} ${k}.${r}`);
        if (String(c.image).includes('/lcs:')) {
          assert.equal(sc.readOnlyRootFilesystem, true, `${at} readOnlyRootFilesystem`);
          // Only the agent runs as root (the owner of the kubelet's root-owned log files), with no capability.
          if (c.name === 'agent') assert.equal(sc.runAsUser, 0);
          else assert.ok(sc.runAsNonRoot === true && sc.runAsUser > 0, `${at} runs as non-root`);
        }
      }
    }
  }
});

const rulesOf = (objs: Obj[], kind: string) =>
  objs
    .filter((o) => o.kind === kind)
    .flatMap((r) => (r.rules ?? []).map((x: Obj) => ({ role: r.metadata.name, ...x })));

test('RBAC: no secrets, no wildcards, and the same rights as the manifests tested against the real API server', () => {
  const manifests = readdirSync(path.join(REPO_ROOT, 'deploy', 'kubernetes'))
    .filter((f) => f.startsWith('rbac-'))
    .flatMap((f) => objects(readFileSync(path.join(REPO_ROOT, 'deploy', 'kubernetes', f), 'utf8')));
  const rights = (objs: Obj[], component: string) =>
    [...rulesOf(objs, 'ClusterRole'), ...rulesOf(objs, 'Role')]
      .filter((r) => r.role.endsWith(`-${component}`) || r.role.endsWith(`-${component}-leader`))
      .flatMap((r) =>
        (r.resources as string[]).flatMap((res) =>
          (r.verbs as string[]).map((v) => `${(r.apiGroups as string[]).join(',')}/${res}:${v}`),
        ),
      )
      .sort();
  for (const s of SCENARIOS) {
    const objs = render({ scenario: s });
    for (const r of [...rulesOf(objs, 'ClusterRole'), ...rulesOf(objs, 'Role')]) {
      assert.ok(!r.resources.includes('secrets'), `${s}: ${r.role} reads secrets`);
      assert.ok(
        ![...r.verbs, ...r.resources, ...r.apiGroups].includes('*'),
        `${s}: ${r.role} has a wildcard`,
      );
    }
    for (const c of ['operator', 'agent'])
      assert.deepEqual(rights(objs, c), rights(manifests, c), `${s}: ${c}`);
    assert.equal(rights(objs, 'transfer').length, 0, 'the transfer has no Kubernetes rights');
    const metrics = rights(objs, 'metrics');
    assert.deepEqual(
      metrics,
      s === 'metrics-deployment' ? ['/nodes:get'] : [],
      `${s}: metrics gets nodes only for node labels`,
    );
  }
});

test('every password, key and token comes from a Secret, as a file', () => {
  const objs = render({ scenario: 'external-tls-sasl' });
  let files = 0;
  for (const w of workloads(objs)) {
    const spec = podSpec(w)!;
    const secretMounts = new Map<string, string>();
    const secretVols = new Set((spec.volumes ?? []).filter((v: Obj) => v.secret).map((v: Obj) => v.name));
    for (const c of spec.containers) {
      for (const m of c.volumeMounts ?? []) if (secretVols.has(m.name)) secretMounts.set(m.mountPath, m.name);
      for (const e of c.env ?? []) {
        if (/PASSWORD|TOKEN|API_KEY|SECRET|USERS|SESSION_KEY/.test(e.name)) {
          assert.ok(e.name.endsWith('_FILE'), `${w.metadata.name}: ${e.name} must be a file, not a value`);
          const dir = [...secretMounts.keys()].find((d) => String(e.value).startsWith(`${d}/`));
          assert.ok(dir, `${w.metadata.name}: ${e.name}=${e.value} is not on a mounted Secret`);
          files++;
        }
      }
    }
  }
  assert.ok(files >= 6, `secret files checked: ${files}`);
  for (const o of objs) assert.notEqual(o.kind, 'Secret', 'the chart makes no Secret of its own values');
});

test('values.schema.json rejects unknown keys and bad values, naming them; contradictions fail the render with what to change', () => {
  const refused: [string[], RegExp][] = [
    [['agent.bogus=1'], /\/agent.*additional properties 'bogus' not allowed/],
    [['metrics.kind=StatefulSet'], /\/metrics\/kind.*DaemonSet/],
    [['agent.config.agent.poll=fast'], /\/agent\/config\/agent\/poll/],
    [['agent.config.agent.nosuch=1'], /\/agent\/config\/agent.*'nosuch'/],
    [['transfer.replicas=0'], /\/transfer\/replicas/],
    [['agent.checkpoints.type=pvc'], /\/agent\/checkpoints\/type/],
    [['console.config.log.level=loud'], /\/console\/config\/log\/level/],
    [['bundled.enabled=false'], /etcd\.endpoints is empty/],
    [
      ['console.ingress.enabled=true', 'console.ingress.host=x', 'console.usersSecret='],
      /console\.usersSecret/,
    ],
    [['console.replicas=2'], /console\.sessionKeySecret/],
    [['transfer.replicas=1'], /minAvailable must be below transfer\.replicas/],
    [['agent.logPaths={/var}'], /agent\.logPaths \/var contains the checkpoint directory/],
    [
      [
        'elasticsearch.username=u',
        'elasticsearch.apiKeySecret.name=k',
        'elasticsearch.passwordSecret.name=p',
      ],
      /choose an API key or basic auth/,
    ],
  ];
  for (const [set, re] of refused) {
    const r = template({ set });
    assert.notEqual(r.code, 0, `${set.join(' ')} was accepted`);
    assert.match(r.stderr, re, set.join(' '));
  }
});

test('a changed value rolls only the pods whose config changed', () => {
  const annotations = (objs: Obj[]) =>
    Object.fromEntries(
      workloads(objs).map((w) => [
        `${w.kind}/${w.metadata.name}`,
        JSON.stringify(w.spec.template.metadata.annotations ?? {}),
      ]),
    );
  const base = annotations(render());
  const changed = annotations(render({ set: ['transfer.config.transfer.bulkDocs=1234'] }));
  const rolled = Object.keys(base).filter((k) => base[k] !== changed[k]);
  assert.deepEqual(rolled, ['Deployment/lcs-lcs-transfer']);
  const es = annotations(render({ values: [path.join(CHART, 'ci', 'external-tls-sasl.yaml')] }));
  const es2 = annotations(
    render({
      values: [path.join(CHART, 'ci', 'external-tls-sasl.yaml')],
      set: ['elasticsearch.url={https://other:9200}'],
    }),
  );
  assert.deepEqual(
    Object.keys(es)
      .filter((k) => es[k] !== es2[k])
      .sort(),
    ['Deployment/lcs-lcs-console', 'Deployment/lcs-lcs-transfer'],
    'a new Elasticsearch URL rolls the components that use Elasticsearch',
  );
});

test("the chart's copies equal their sources: the CRD, the dashboards, and values.schema.json from the settings declarations", () => {
  for (const f of readdirSync(path.join(REPO_ROOT, 'crds')).filter((x) => x.endsWith('.yaml')))
    assert.equal(
      readFileSync(path.join(CHART, 'crds', f), 'utf8'),
      readFileSync(path.join(REPO_ROOT, 'crds', f), 'utf8'),
      `charts/lcs/crds/${f}`,
    );
  const dash = path.join(REPO_ROOT, 'deploy', 'grafana', 'dashboards');
  for (const f of readdirSync(dash))
    assert.equal(
      readFileSync(path.join(CHART, 'dashboards', f), 'utf8'),
      readFileSync(path.join(dash, f), 'utf8'),
      `charts/lcs/dashboards/${f} (copy it from deploy/grafana/dashboards)`,
    );
  assert.deepEqual(
    JSON.parse(readFileSync(path.join(CHART, 'values.schema.json'), 'utf8')),
    valuesSchema(),
    'charts/lcs/values.schema.json is out of date: sh deploy/local/run.sh charts/values-schema.ts --write',
  );
});

test('every key of values.yaml is in the schema with a description', () => {
  const values = parseAllDocuments(readFileSync(path.join(CHART, 'values.yaml'), 'utf8'))[0]!.toJS() as Obj;
  const schema = valuesSchema() as Obj;
  const walk = (v: Obj, s: Obj, at: string) => {
    for (const [k, val] of Object.entries(v)) {
      const p = s.properties?.[k];
      assert.ok(p, `values.yaml ${at}${k} is not in values.schema.json`);
      if (k !== 'config' && val && typeof val === 'object' && !Array.isArray(val) && p.properties)
        walk(val as Obj, p, `${at}${k}.`);
      else assert.ok(p.description || p.anyOf || p.properties, `${at}${k} has no description`);
    }
  };
  walk(values, schema, '');
});
