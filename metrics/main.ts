// `lcs metrics`: wires settings to the MetricsService. metricsConfigFrom is the one place that
// maps settings to the component's config (and checks the rules that span several keys).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ComponentCommand } from '../common/component.ts';
import { ConfigError } from '../common/errors.ts';
import { createEtcd } from '../common/etcd/client.ts';
import { systemClock } from '../common/time/clock.ts';
import type { Logger } from '../common/observe/logger.ts';
import { hostPathsFrom } from './host/paths.ts';
import type { HostInput } from './host/sampler.ts';
import { metricsSettings, type MetricsSettings } from './settings.ts';
import { MetricsService, type MetricsConfig } from './service.ts';
import { InfluxV1Writer, type InfluxV1Options } from './write/influx-v1.ts';
import { InfluxV2Writer, type InfluxV2Options } from './write/influx-v2.ts';
import type { LineWriter } from './write/errors.ts';
import { fetchNodeLabelTags } from './node-labels.ts';
import { EtcdPipelineSource } from './pipeline/source.ts';
import { readInventory } from './inventory.ts';

export type WriterConfig = ({ api: '1' } & InfluxV1Options) | ({ api: '2' } & InfluxV2Options);

export interface MetricsCommandConfig {
  service: MetricsConfig;
  writer: WriterConfig;
  nodeLabels: string[];
  pipeline: boolean;
}

/** Settings → config. Throws ConfigError naming the key; `read` reads secret files. */
export function metricsConfigFrom(
  s: MetricsSettings,
  read: (p: string) => string = (p) => readFileSync(p, 'utf8'),
): MetricsCommandConfig {
  const str = (k: keyof MetricsSettings) => {
    const v = s[k];
    return v === undefined || v === '' ? undefined : String(v);
  };
  const secret = (k: keyof MetricsSettings) => {
    const file = str(k);
    if (file === undefined) return undefined;
    try {
      return read(file).trim();
    } catch (err) {
      throw new ConfigError(k, `cannot read ${file}: ${(err as Error).message}`, { cause: err });
    }
  };
  const need = (k: keyof MetricsSettings, why: string) => {
    const v = str(k);
    if (v === undefined) throw new ConfigError(k, `is required ${why}`);
    return v;
  };
  const url = s['metrics.influx.url'];
  const timeoutMs = s['metrics.influx.timeout'];
  let writer: WriterConfig;
  if (s['metrics.influx.api'] === '1') {
    const password = secret('metrics.influx.passwordFile');
    const username = str('metrics.influx.username');
    const rp = str('metrics.influx.retentionPolicy');
    writer = {
      api: '1',
      url,
      database: need(
        'metrics.influx.database',
        'with metrics.influx.api=1 (Telegraf dashboards use "telegraf")',
      ),
      timeoutMs,
      ...(rp ? { retentionPolicy: rp } : {}),
      ...(username ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
    };
  } else if (s['metrics.influx.api'] === '2') {
    writer = {
      api: '2',
      url,
      bucket: need(
        'metrics.influx.bucket',
        'with metrics.influx.api=2 (InfluxDB 1.8+: "database/retention-policy")',
      ),
      org: s['metrics.influx.org'],
      token: secret('metrics.influx.tokenFile') ?? '',
      timeoutMs,
    };
  } else
    throw new ConfigError(
      'metrics.influx.api',
      `unknown API version "${String(s['metrics.influx.api'])}" (must be 1 or 2)`,
    );
  const stateDir = s['metrics.stateDir'];
  if (!path.isAbsolute(stateDir)) throw new ConfigError('metrics.stateDir', 'must be an absolute path');
  return {
    service: {
      node: s['node.name'],
      intervalMs: s['metrics.interval'],
      inputs: s['metrics.inputs'] as HostInput[], // checked against HOST_INPUTS by its setting
      netInterfaces: s['metrics.netInterfaces'],
      ignoreFs: s['metrics.ignoreFs'],
      stateDir: path.join(stateDir, 'spool'),
      bufferBytes: s['metrics.bufferBytes'],
      batchLines: s['metrics.batchLines'],
      statusIntervalMs: s['status.interval'],
    },
    writer,
    nodeLabels: s['metrics.nodeLabels'],
    pipeline: s['metrics.pipeline'],
  };
}

export function writerFor(w: WriterConfig): LineWriter {
  if (w.api === '1') {
    const { api: _api, ...o } = w;
    return new InfluxV1Writer(o);
  }
  const { api: _api, ...o } = w;
  return new InfluxV2Writer(o);
}

/** The rules across settings, checked at start-up: metricsConfigFrom's first problem. */
export function validateMetricsSettings(s: MetricsSettings): ConfigError[] {
  try {
    metricsConfigFrom(s);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return [err];
    throw err;
  }
}

export const metricsCommand: ComponentCommand<typeof metricsSettings> = {
  settings: metricsSettings,
  validate: validateMetricsSettings,
  build(s, logger: Logger) {
    const cfg = metricsConfigFrom(s);
    const etcd = createEtcd(s);
    const service = new MetricsService(cfg.service, {
      clock: systemClock,
      logger,
      writer: writerFor(cfg.writer),
      paths: hostPathsFrom(process.env),
      etcd,
      extraTags: () => fetchNodeLabelTags(cfg.service.node, cfg.nodeLabels, process.env, logger),
      inventory: () => readInventory(logger),
      ...(cfg.pipeline
        ? {
            pipeline: new EtcdPipelineSource({
              etcd,
              identity: cfg.service.node,
              clock: systemClock,
              logger: logger.child({ part: 'pipeline' }),
            }),
          }
        : {}),
    });
    return {
      registry: service.registry,
      healthy: () => service.healthy(),
      ready: () => service.ready(),
      start: () => service.start(),
      shutdown: async () => {
        await service.shutdown();
        etcd.close();
      },
    };
  },
};
