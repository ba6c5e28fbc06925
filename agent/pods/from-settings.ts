// The edge between settings and the pods source: which Kubernetes API (if any) the agent
// talks to, and a PodResolver built from the agent's settings.

import { KubeConfig } from '@kubernetes/client-node';
import type { SettingValues } from '../../common/config/settings.ts';
import { ConfigError } from '../../common/errors.ts';
import type { Logger } from '../../common/observe/logger.ts';
import { PodResolver } from './resolver.ts';

/**
 * `agent.kubeconfig` when set (it wins, so a developer can point an agent at any cluster),
 * else the in-cluster service account when KUBERNETES_SERVICE_HOST is set, else undefined:
 * standalone, no Kubernetes API.
 */
export function kubeConfigFrom(
  settings: SettingValues,
  env: Record<string, string | undefined> = process.env,
): KubeConfig | undefined {
  const file = settings['agent.kubeconfig'];
  const kc = new KubeConfig();
  if (typeof file === 'string' && file !== '') {
    try {
      kc.loadFromFile(file);
    } catch (err) {
      throw new ConfigError('agent.kubeconfig', `cannot load ${file}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (!kc.getCurrentCluster())
      throw new ConfigError('agent.kubeconfig', `${file} has no current context with a cluster`);
    return kc;
  }
  if (!env['KUBERNETES_SERVICE_HOST']) return undefined;
  kc.loadFromCluster();
  return kc;
}

/** A PodResolver for this agent, or undefined in standalone mode. Not started. */
export function podResolverFrom(
  settings: SettingValues,
  deps: { logger: Logger; env?: Record<string, string | undefined> },
): PodResolver | undefined {
  const kube = kubeConfigFrom(settings, deps.env);
  if (!kube) return undefined;
  return new PodResolver({
    kube,
    node: String(settings['node.name']),
    logRoot: String(settings['agent.podLogRoot'] ?? '/var/log/pods'),
    logger: deps.logger,
    ...(typeof settings['agent.podGrace'] === 'number' ? { graceMs: settings['agent.podGrace'] } : {}),
  });
}
