// The edge between settings and the pods source: which Kubernetes API (if any) the agent
// talks to, and a PodResolver built from the agent's settings.

import { readFileSync } from 'node:fs';
import { ConfigError } from '../../common/errors.ts';
import type { Logger } from '../../common/observe/logger.ts';
import { inClusterAccess, kubeconfigAccess, type KubeAccess } from './kube-api.ts';
import { PodResolver } from './resolver.ts';
import type { PodSettings } from './settings.ts';

/**
 * `agent.kubeconfig` when set (it wins, so a developer can point an agent at any cluster),
 * else the in-cluster service account when KUBERNETES_SERVICE_HOST is set, else undefined:
 * standalone, no Kubernetes API.
 */
export function kubeAccessFrom(
  settings: Pick<PodSettings, 'agent.kubeconfig'>,
  env: Record<string, string | undefined> = process.env,
): KubeAccess | undefined {
  const file = settings['agent.kubeconfig'];
  if (file !== undefined && file !== '') {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError('agent.kubeconfig', `cannot load ${file}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    try {
      return kubeconfigAccess(text, file);
    } catch (err) {
      throw new ConfigError('agent.kubeconfig', `${file} ${(err as Error).message}`, { cause: err });
    }
  }
  if (!env['KUBERNETES_SERVICE_HOST']) return undefined;
  try {
    return inClusterAccess(env);
  } catch (err) {
    throw new ConfigError(
      'agent.kubeconfig',
      `KUBERNETES_SERVICE_HOST is set but the service account is not readable (${(err as Error).message}); mount it (automountServiceAccountToken) or set agent.kubeconfig`,
      { cause: err },
    );
  }
}

/** A PodResolver for this agent, or undefined in standalone mode. Not started. */
export function podResolverFrom(
  settings: PodSettings,
  deps: { logger: Logger; env?: Record<string, string | undefined> },
): PodResolver | undefined {
  const kube = kubeAccessFrom(settings, deps.env);
  if (!kube) return undefined;
  return new PodResolver({
    kube,
    node: settings['node.name'],
    logRoot: settings['agent.podLogRoot'],
    logger: deps.logger,
    graceMs: settings['agent.podGrace'],
  });
}
