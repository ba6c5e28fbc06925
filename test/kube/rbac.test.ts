// Least privilege, asked of the real API server: impersonating each component's
// ServiceAccount, a SelfSubjectRulesReview lists what it may do, which must be exactly what
// the component's code calls (deploy/kubernetes/rbac-*.yaml) — no Secrets, no wildcards,
// nothing extra. Then a real token of each ServiceAccount is tried against the API.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SYSTEM_NS,
  applyBase,
  ensureNamespace,
  kubectl,
  kubectlOk,
  serviceAccountKubeconfig,
} from '../support/kube-cluster.ts';

const APP_NS = 'rbac-app';

interface RulesReview {
  status: {
    resourceRules: {
      verbs: string[];
      apiGroups?: string[];
      resources?: string[];
      resourceNames?: string[];
    }[];
    incomplete: boolean;
  };
}

/** What every authenticated user may do (system:basic-user): ask about its own rights. */
const SELF_REVIEWS = new Set([
  'authorization.k8s.io/selfsubjectaccessreviews:create',
  'authorization.k8s.io/selfsubjectrulesreviews:create',
  'authentication.k8s.io/selfsubjectreviews:create',
]);

/** `group/resource:verb` for every allowed combination, the self reviews left out. */
async function allowed(sa: string, namespace: string): Promise<string[]> {
  const body = {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectRulesReview',
    spec: { namespace },
  };
  const out = await kubectlOk(
    ['create', '--validate=false', '-o', 'json', `--as=system:serviceaccount:${SYSTEM_NS}:${sa}`, '-f', '-'],
    {
      input: JSON.stringify(body),
    },
  );
  const review = JSON.parse(out) as RulesReview;
  assert.equal(review.status.incomplete, false);
  const out2 = new Set<string>();
  for (const r of review.status.resourceRules) {
    assert.equal(r.resourceNames, undefined, `${sa}: rules are not narrowed by name here`);
    for (const g of r.apiGroups ?? [''])
      for (const res of r.resources ?? [])
        for (const v of r.verbs) {
          const key = `${g}/${res}:${v}`;
          if (!SELF_REVIEWS.has(key)) out2.add(key);
        }
  }
  return [...out2].sort();
}

const OPERATOR_CLUSTER = [
  '/events:create',
  'lcs.dev/logcollections/status:patch',
  'lcs.dev/logcollections:list',
  'lcs.dev/logcollections:patch',
  'lcs.dev/logcollections:watch',
];
const OPERATOR_LEADER = [
  'coordination.k8s.io/leases:create',
  'coordination.k8s.io/leases:get',
  'coordination.k8s.io/leases:update',
];
const AGENT = ['/pods:list', '/pods:watch'];

const expected: Record<string, Record<string, string[]>> = {
  'lcs-operator': {
    [APP_NS]: OPERATOR_CLUSTER,
    [SYSTEM_NS]: [...OPERATOR_CLUSTER, ...OPERATOR_LEADER].sort(),
  },
  'lcs-agent': { [APP_NS]: AGENT, [SYSTEM_NS]: AGENT },
  'lcs-transfer': { [APP_NS]: [], [SYSTEM_NS]: [] },
};

for (const [sa, byNamespace] of Object.entries(expected)) {
  test(`${sa} may do exactly what its component calls, and nothing beyond (asked by impersonation)`, async () => {
    await applyBase();
    await ensureNamespace(APP_NS);
    for (const [ns, rules] of Object.entries(byNamespace)) {
      const got = await allowed(sa, ns);
      assert.deepEqual(got, rules, `${sa} in namespace ${ns}`);
      assert.ok(!got.some((r) => r.includes('*')), `${sa}: no wildcard`);
      assert.ok(!got.some((r) => r.startsWith('/secrets')), `${sa}: no secrets`);
    }
    const secrets = await kubectl([
      'auth',
      'can-i',
      'get',
      'secrets',
      '-A',
      `--as=system:serviceaccount:${SYSTEM_NS}:${sa}`,
    ]);
    assert.equal(secrets.stdout.trim(), 'no');
  });
}

test("the operator's and the agent's tokens work for their calls and are refused elsewhere", async () => {
  await applyBase();
  const operator = await serviceAccountKubeconfig('lcs-operator');
  const agent = await serviceAccountKubeconfig('lcs-agent');
  const ok = (args: string[], kubeconfig: string) => kubectl(args, { kubeconfig });
  assert.equal((await ok(['get', 'lc', '-A'], operator.file)).code, 0);
  assert.equal(
    (await ok(['get', 'pods', '-A', '--field-selector=spec.nodeName=kwok-node-0'], agent.file)).code,
    0,
  );
  for (const [args, file] of [
    [['get', 'secrets', '-n', SYSTEM_NS], operator.file],
    [['get', 'pods', '-A'], operator.file],
    [['get', 'lc', '-A'], agent.file],
    [['get', 'secrets', '-A'], agent.file],
  ] as const) {
    const r = await ok([...args], file);
    assert.notEqual(r.code, 0, `${args.join(' ')} with ${file}`);
    assert.match(r.stderr, /Forbidden/);
  }
  // A token of the transfer's ServiceAccount can do nothing but ask about itself.
  const transfer = await serviceAccountKubeconfig('lcs-transfer');
  const r = await ok(['get', 'pods', '-n', SYSTEM_NS], transfer.file);
  assert.match(r.stderr, /Forbidden/);
});
