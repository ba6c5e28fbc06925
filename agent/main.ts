// `lcs agent`: wires settings to the Agent. No logic here.

import type { ComponentCommand } from '../common/cli/component.ts';
import type { SettingValues } from '../common/config/settings.ts';
import type { Logger } from '../common/observe/logger.ts';
import { createEtcd } from '../common/etcd/client.ts';
import { kafkaConfig } from '../common/kafka/config.ts';
import { Agent } from './agent.ts';
import type { RecordProducer } from './sink.ts';
import type { PodResolver } from './pods/resolver.ts';
import { agentSettings } from './settings.ts';

// Loaded on demand: each Kafka client and the Kubernetes client cost tens of MB of memory,
// and an agent needs one Kafka client and, outside Kubernetes, no Kubernetes client at all.
async function producerFor(s: SettingValues, logger: Logger): Promise<RecordProducer> {
  const config = kafkaConfig(s, 'agent');
  if (s['agent.kafkaClient'] === 'kafkajs')
    return new (await import('./kafkajs-producer.ts')).KafkajsProducer(config);
  if (s['agent.kafkaClient'] === 'platformatic')
    return new (await import('./platformatic-producer.ts')).PlatformaticProducer(config);
  return new (await import('./direct-producer.ts')).DirectProducer(config, {
    onRefused: (r) =>
      logger.warn('Kafka refused a record as too large even alone; sent a stub with its id in its place', {
        ...r,
        fix: `raise max.message.bytes of topic ${r.topic} or lower agent.maxRecordBytes`,
      }),
  });
}

async function podsFor(
  s: SettingValues,
  logger: Logger,
  env: NodeJS.ProcessEnv,
): Promise<PodResolver | undefined> {
  if (!s['agent.kubeconfig'] && !env.KUBERNETES_SERVICE_HOST) return undefined;
  return (await import('./pods/from-settings.ts')).podResolverFrom(s, { logger, env });
}

export const agentCommand: ComponentCommand = {
  name: 'agent',
  summary: 'Tails the log files named by the collect entries for this node and sends every line to Kafka.',
  specs: agentSettings,
  async build(s, logger) {
    const etcd = createEtcd(s);
    const producer = await producerFor(s, logger);
    const pods = await podsFor(s, logger, process.env);
    const agent = new Agent(
      {
        node: String(s['node.name']),
        nodeLabels: Object.fromEntries(
          (s['agent.nodeLabels'] as string[]).map((l) => [
            l.slice(0, l.indexOf('=')),
            l.slice(l.indexOf('=') + 1),
          ]),
        ),
        stateDir: String(s['state.dir']),
        roots: s['agent.allowedRoots'] as string[],
        maxBufferedBytes: Number(s['agent.maxBufferedBytes']),
        batchBytes: Number(s['agent.batchBytes']),
        lingerMs: Number(s['agent.linger']),
        maxLineBytes: Number(s['agent.maxLineBytes']),
        maxRecordBytes: Number(s['agent.maxRecordBytes']),
        readChunkBytes: Number(s['agent.readChunkBytes']),
        readBuffers: Number(s['agent.readBuffers']),
        pollMs: Number(s['agent.poll']),
        pollMaxMs: Number(s['agent.pollMax']),
        pollWatchedMaxMs: Number(s['agent.pollWatchedMax']),
        drainIdleMs: Number(s['agent.drainIdle']),
        rescanMs: Number(s['agent.rescan']),
        maxFilesPerCollection: Number(s['agent.maxFilesPerCollection']),
        statusIntervalMs: Number(s['status.interval']),
      },
      {
        etcd,
        producer,
        logger,
        ...(pods ? { pods } : {}),
      },
    );
    return {
      registry: agent.registry,
      healthy: () => true,
      ready: () => agent.ready,
      start: () => agent.start(),
      shutdown: async () => {
        await agent.shutdown();
        etcd.close();
      },
    };
  },
};
