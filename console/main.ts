// `lcs console`: wires settings to the console's parts. consoleConfigFrom reads the secret
// files and checks the rules across settings, naming the key.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ComponentCommand } from '../common/component.ts';
import {
  validateElasticsearchSettings,
  validateEtcdSettings,
  validateKafkaSettings,
} from '../common/config/common-settings.ts';
import { ConfigError } from '../common/errors.ts';
import { createEtcd } from '../common/etcd/client.ts';
import { esClient } from '../common/elasticsearch/client.ts';
import { kafkaConfig } from '../common/kafka/config.ts';
import type { Logger } from '../common/observe/logger.ts';
import { Registry } from '../common/observe/metrics.ts';
import { Authenticator } from './auth/authenticator.ts';
import { Sessions } from './auth/session.ts';
import { parseUsersFile, type UsersFile } from './auth/users.ts';
import { DeadLetters } from './dlq.ts';
import { HostMetricsReader } from './hosts.ts';
import { LiveView } from './live.ts';
import { LogSearch } from './search.ts';
import { ConsoleServer } from './server.ts';
import { consoleSettings, type ConsoleSettings } from './settings.ts';
import { ConsoleStore } from './store.ts';

export interface ConsoleSecrets {
  users?: UsersFile;
  sessionKey: Buffer;
  influxPassword?: string;
}

export function consoleSecretsFrom(
  s: ConsoleSettings,
  read: (p: string) => string = (p) => readFileSync(p, 'utf8'),
): ConsoleSecrets {
  const file = (
    key: 'console.usersFile' | 'console.sessionKeyFile' | 'console.influxdb.passwordFile',
  ): string | undefined => {
    const p = s[key];
    if (!p) return undefined;
    try {
      return read(p);
    } catch (err) {
      throw new ConfigError(key, `cannot read ${p}: ${(err as Error).message}`, { cause: err });
    }
  };
  const usersText = file('console.usersFile');
  const users =
    usersText === undefined
      ? undefined
      : parseUsersFile(usersText, `console.usersFile (${s['console.usersFile']})`);
  const keyText = file('console.sessionKeyFile');
  if (keyText !== undefined && keyText.trim().length < 32)
    throw new ConfigError(
      'console.sessionKeyFile',
      'must hold at least 32 characters (for example `openssl rand -base64 32`)',
    );
  // Read (it was declared but never read, so the host view went without a password); the
  // newline an editor or `echo` leaves is not part of the password.
  const influxPassword = file('console.influxdb.passwordFile')?.replace(/\r?\n$/, '');
  return {
    ...(users ? { users } : {}),
    ...(influxPassword !== undefined ? { influxPassword } : {}),
    sessionKey: keyText !== undefined ? Buffer.from(keyText.trim()) : randomBytes(32),
  };
}

export function validateConsoleSettings(s: ConsoleSettings): ConfigError[] {
  const problems = [
    ...validateEtcdSettings(s),
    ...validateElasticsearchSettings(s),
    ...validateKafkaSettings(s),
  ];
  if (problems.length) return problems;
  try {
    consoleSecretsFrom(s);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return [err];
    throw err;
  }
}

export const consoleCommand: ComponentCommand<typeof consoleSettings> = {
  settings: consoleSettings,
  validate: validateConsoleSettings,
  build(s, logger: Logger) {
    const secrets = consoleSecretsFrom(s);
    const etcd = createEtcd(s);
    const live = new LiveView({ etcd, logger, staleAfterMs: s['console.staleAfter'] });
    const es = s['console.search'] ? esClient(s, 30_000) : undefined;
    const server = new ConsoleServer({
      auth: new Authenticator(secrets.users, new Sessions(secrets.sessionKey)),
      store: new ConsoleStore(etcd),
      live,
      ...(es ? { search: new LogSearch(es) } : {}),
      ...(s['console.deadLetters'] ? { dlq: new DeadLetters(kafkaConfig(s, 'console')) } : {}),
      ...(s['console.influxdb.url']
        ? {
            hosts: new HostMetricsReader({
              url: s['console.influxdb.url'],
              database: s['console.influxdb.database'],
              ...(s['console.influxdb.username'] ? { username: s['console.influxdb.username'] } : {}),
              ...(secrets.influxPassword !== undefined ? { password: secrets.influxPassword } : {}),
            }),
          }
        : {}),
      logger,
      keyPrefixes: s['console.keyPrefixes'],
      secureCookie: s['console.secureCookie'],
    });
    const registry = new Registry();
    const requests = registry.gauge('lcs_console_requests', 'API and UI requests served since start');
    const failed = registry.gauge(
      'lcs_console_failed_requests',
      'requests that failed with a 5xx since start',
    );
    registry.onRender(() => {
      requests.set({}, server.requests);
      failed.set({}, server.errors);
    });
    let started = false;
    return {
      registry,
      healthy: () => true,
      ready: () =>
        !started
          ? { ok: false, reason: 'starting' }
          : live.etcdConnected
            ? { ok: true }
            : { ok: false, reason: `etcd: ${live.etcdError ?? 'not connected'}` },
      async start() {
        await live.start();
        const url = await server.listen(s['console.listen']);
        started = true;
        logger.info('console serving', {
          url,
          users: secrets.users ? secrets.users.users.length : 0,
          readOnly: !secrets.users,
        });
      },
      async shutdown() {
        await server.close();
        await live.stop();
        await es?.close();
        etcd.close();
      },
    };
  },
};
