// kafkajs configuration from settings: brokers, TLS and SASL. Secrets come from files.

import { readFileSync } from 'node:fs';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import type { SettingValues } from '../config/settings.ts';

export function kafkaConfig(
  s: SettingValues,
  clientSuffix: string,
  read: (p: string) => Buffer = readFileSync,
): KafkaConfig {
  const config: KafkaConfig = {
    clientId: `${s['kafka.clientId'] ?? 'lcs'}-${clientSuffix}`,
    brokers: s['kafka.brokers'] as string[],
    connectionTimeout: 3000,
    requestTimeout: 30000,
  };
  if (s['kafka.tls'] || s['kafka.caFile'])
    config.ssl = s['kafka.caFile'] ? { ca: [read(String(s['kafka.caFile']))] } : true;
  if (s['kafka.saslMechanism']) {
    const password = s['kafka.saslPasswordFile']
      ? read(String(s['kafka.saslPasswordFile'])).toString('utf8').trim()
      : '';
    config.sasl = {
      mechanism: s['kafka.saslMechanism'],
      username: String(s['kafka.saslUsername'] ?? ''),
      password,
    } as SASLOptions;
  }
  return config;
}
