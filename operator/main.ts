// `lcs operator`: wires settings to the Operator. No logic here.

import { kafkaConfig } from '../common/kafka/config.ts';
import { KafkaTopics } from './topics.ts';
import { KubeConfig } from '@kubernetes/client-node';
import type { ComponentCommand } from '../common/cli/component.ts';
import { createEtcd } from '../common/etcd/client.ts';
import { systemClock } from '../common/time/clock.ts';
import { ConfigError } from '../common/errors.ts';
import type { SettingValues } from '../common/config/settings.ts';
import { Operator, type OperatorConfig } from './operator.ts';
import { operatorSettings } from './settings.ts';

export function loadKubeConfig(path: string): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  return kc;
}

export function operatorConfig(s: SettingValues): OperatorConfig {
  const namespace = String(s['operator.namespace']);
  const trusted = s['operator.trustedNamespaces'] as string[];
  const leaseDurationMs = Number(s['leader.leaseDuration']);
  const renewDeadlineMs = Number(s['leader.renewDeadline']);
  if (renewDeadlineMs >= leaseDurationMs)
    throw new ConfigError(
      'leader.renewDeadline',
      `must be shorter than leader.leaseDuration (${leaseDurationMs} ms), or two replicas could both lead`,
    );
  return {
    ...(s['operator.watchNamespace'] ? { watchNamespace: String(s['operator.watchNamespace']) } : {}),
    policy: { trustedNamespaces: trusted.length ? trusted : [namespace] },
    resyncMs: Number(s['operator.resync']),
    host: String(s['leader.identity']),
    leader: {
      enabled: Boolean(s['leader.enabled']),
      namespace: String(s['leader.leaseNamespace'] || namespace),
      name: String(s['leader.leaseName']),
      identity: String(s['leader.identity']),
      leaseDurationMs,
      renewDeadlineMs,
      retryPeriodMs: Number(s['leader.retryPeriod']),
    },
  };
}

export const operatorCommand: ComponentCommand = {
  name: 'operator',
  summary:
    'Reconciles LogCollection resources into collect entries in etcd and reports what the agents do with them.',
  specs: operatorSettings,
  build(s, logger) {
    const cfg = operatorConfig(s);
    const etcd = createEtcd(s);
    const op = new Operator(cfg, {
      kc: loadKubeConfig(String(s['kube.config'])),
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
