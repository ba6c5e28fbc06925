// `lcs agent`: wires the typed settings to the Agent. No logic here.

import type { ComponentCommand } from '../common/component.ts';
import type { Logger } from '../common/observe/logger.ts';
import { createEtcd } from '../common/etcd/client.ts';
import { kafkaConfig } from '../common/kafka/config.ts';
import { Agent } from './agent.ts';
import type { RecordProducer } from './sink.ts';
import type { PodResolver } from './pods/resolver.ts';
import { agentSettings, nodeLabelsOf, validateAgentSettings, type AgentSettings } from './settings.ts';

// Loaded on demand: each Kafka client and the Kubernetes client cost tens of MB of memory,
// and an agent needs one Kafka client and, outside Kubernetes, no Kubernetes client at all.
async function producerFor(s: AgentSettings, logger: Logger): Promise<RecordProducer> {
  const config = kafkaConfig(s, 'agent');
  return new (await import('./direct-producer.ts')).DirectProducer(config, {
    onRefused: (r) =>
      logger.warn('Kafka refused a record as too large even alone; sent a stub with its id in its place', {
        ...r,
        fix: `raise max.message.bytes of topic ${r.topic} or lower agent.maxRecordBytes`,
      }),
  });
}

async function podsFor(
  s: AgentSettings,
  logger: Logger,
  env: NodeJS.ProcessEnv,
): Promise<PodResolver | undefined> {
  if (!s['agent.kubeconfig'] && !env.KUBERNETES_SERVICE_HOST) return undefined;
  return (await import('./pods/from-settings.ts')).podResolverFrom(s, { logger, env });
}

export const agentCommand: ComponentCommand<typeof agentSettings> = {
  settings: agentSettings,
  validate: validateAgentSettings,
  async build(s, logger) {
    const etcd = createEtcd(s);
    const producer = await producerFor(s, logger);
    const pods = await podsFor(s, logger, process.env);
    const agent = new Agent(
      {
        node: s['node.name'],
        nodeLabels: nodeLabelsOf(s),
        stateDir: s['state.dir'],
        roots: s['agent.allowedRoots'],
        maxBufferedBytes: s['agent.maxBufferedBytes'],
        batchBytes: s['agent.batchBytes'],
        lingerMs: s['agent.linger'],
        maxLineBytes: s['agent.maxLineBytes'],
        maxRecordBytes: s['agent.maxRecordBytes'],
        readChunkBytes: s['agent.readChunkBytes'],
        readBuffers: s['agent.readBuffers'],
        pollMs: s['agent.poll'],
        pollMaxMs: s['agent.pollMax'],
        pollWatchedMaxMs: s['agent.pollWatchedMax'],
        drainIdleMs: s['agent.drainIdle'],
        rescanMs: s['agent.rescan'],
        maxFilesPerCollection: s['agent.maxFilesPerCollection'],
        statusIntervalMs: s['status.interval'],
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
