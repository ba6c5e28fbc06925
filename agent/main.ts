// `lcs agent`: wires settings to the Agent. No logic here.

import type { ComponentCommand } from '../common/cli/component.ts';
import { createEtcd } from '../common/etcd/client.ts';
import { kafkaConfig } from '../common/kafka/config.ts';
import { Agent } from './agent.ts';
import { KafkajsProducer } from './kafkajs-producer.ts';
import { PlatformaticProducer } from './platformatic-producer.ts';
import { agentSettings } from './settings.ts';

export const agentCommand: ComponentCommand = {
  name: 'agent',
  summary: 'Tails the log files named by the collect entries for this node and sends every line to Kafka.',
  specs: agentSettings,
  build(s, logger) {
    const etcd = createEtcd(s);
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
        drainIdleMs: Number(s['agent.drainIdle']),
        rescanMs: Number(s['agent.rescan']),
        maxFilesPerCollection: Number(s['agent.maxFilesPerCollection']),
        statusIntervalMs: Number(s['status.interval']),
      },
      {
        etcd,
        producer:
          s['agent.kafkaClient'] === 'platformatic'
            ? new PlatformaticProducer(kafkaConfig(s, 'agent'))
            : new KafkajsProducer(kafkaConfig(s, 'agent')),
        logger,
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
