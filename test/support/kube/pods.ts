// Pods for tests of the API-server double: what a scheduler and a kubelet would have written.
// The real server drops `status` on create, so a pod is created and then given its status
// through the /status subresource, as the kubelet does.

import type { ObjectStore, Obj } from './store.ts';

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

export interface TestPod {
  namespace: string;
  name: string;
  node: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  containers: string[];
  initContainers?: string[];
  phase?: PodPhase;
  /** For Succeeded/Failed: when the containers finished (ISO, second resolution). */
  finishedAt?: string;
}

export function podStatus(p: Pick<TestPod, 'containers' | 'phase' | 'finishedAt'>): Record<string, unknown> {
  const phase = p.phase ?? 'Running';
  const state =
    phase === 'Running'
      ? { running: { startedAt: '2025-01-01T00:00:00Z' } }
      : phase === 'Succeeded' || phase === 'Failed'
        ? {
            terminated: {
              exitCode: phase === 'Succeeded' ? 0 : 1,
              startedAt: '2025-01-01T00:00:00Z',
              finishedAt: p.finishedAt ?? '2025-01-01T00:00:01Z',
            },
          }
        : { waiting: { reason: 'ContainerCreating' } };
  return {
    phase,
    containerStatuses: p.containers.map((name) => ({
      name,
      state,
      ready: phase === 'Running',
      restartCount: 0,
      image: 'busybox',
      imageID: '',
    })),
  };
}

/** Creates the pod (bound to `node`) and writes its status; returns the stored object. */
export function putPod(store: ObjectStore, p: TestPod): Obj {
  store.create('pods', p.namespace, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name,
      namespace: p.namespace,
      labels: p.labels ?? {},
      ...(p.annotations ? { annotations: p.annotations } : {}),
    },
    spec: {
      nodeName: p.node,
      containers: p.containers.map((name) => ({ name, image: 'busybox' })),
      ...(p.initContainers
        ? { initContainers: p.initContainers.map((name) => ({ name, image: 'busybox' })) }
        : {}),
    },
  });
  return store.patch('pods', p.namespace, p.name, 'merge', { status: podStatus(p) }, 'status');
}
