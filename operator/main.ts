// `lcs operator`: wires the typed settings to the Operator. No logic here.

import { kafkaConfig } from '../common/kafka/config.ts';
import { KafkaTopics } from './topics.ts';
import { KubeConfig } from '@kubernetes/client-node';
import type { ComponentCommand } from '../common/component.ts';
import { createEtcd } from '../common/etcd/client.ts';
import { systemClock } from '../common/time/clock.ts';
import { Operator, type OperatorConfig } from './operator.ts';
import { operatorSettings, validateOperatorSettings, type OperatorSettings } from './settings.ts';

export function loadKubeConfig(path: string): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  return kc;
}

/** The Operator's options from its validated settings (validateOperatorSettings ran first). */
export function operatorConfig(s: OperatorSettings): OperatorConfig {
  const namespace = s['operator.namespace'];
  const trusted = s['operator.trustedNamespaces'];
  return {
    ...(s['operator.watchNamespace'] ? { watchNamespace: s['operator.watchNamespace'] } : {}),
    policy: { trustedNamespaces: trusted.length ? trusted : [namespace] },
    resyncMs: s['operator.resync'],
    host: s['leader.identity'],
    leader: {
      enabled: s['leader.enabled'],
      namespace: s['leader.leaseNamespace'] || namespace,
      name: s['leader.leaseName'],
      identity: s['leader.identity'],
      leaseDurationMs: s['leader.leaseDuration'],
      renewDeadlineMs: s['leader.renewDeadline'],
      retryPeriodMs: s['leader.retryPeriod'],
    },
  };
}

export const operatorCommand: ComponentCommand<typeof operatorSettings> = {
  settings: operatorSettings,
  validate: validateOperatorSettings,
  build(s, logger) {
    const cfg = operatorConfig(s);
    const etcd = createEtcd(s);
    const op = new Operator(cfg, {
      kc: loadKubeConfig(s['kube.config']),
      etcd,
      ...(s['operator.createTopics'] ? { topics: new KafkaTopics(kafkaConfig(s, 'operator'), logger) } : {}),
      logger,
      clock: systemClock,
    });
    return {
      registry: op.registry,
      healthy: () => true,
      ready: () => op.ready(),
      start: () => op.start(),
      shutdown: async () => {
        await op.shutdown();
        etcd.close();
      },
    };
  },
};
