// Runs a long-lived component from the command line: settings (with --help), logger,
// /healthz /readyz /metrics, and a clean shutdown on SIGTERM/SIGINT (twice: exit at once).

import { ConfigError, describeError } from '../errors.ts';
import { loadSettings, renderHelp, type SettingSpec, type SettingValues } from '../config/settings.ts';
import { createLogger, type Level, type Logger } from '../observe/logger.ts';
import { startHttpServer, type Probe } from '../observe/http-server.ts';
import type { Registry } from '../observe/metrics.ts';

export interface Component extends Probe {
  registry: Registry;
  start(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface ComponentCommand {
  name: string;
  summary: string;
  specs: SettingSpec[];
  build(settings: SettingValues, logger: Logger): Promise<Component> | Component;
}

export async function runComponent(
  cmd: ComponentCommand,
  argv: string[],
  env: NodeJS.ProcessEnv,
): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(renderHelp(cmd.name, cmd.summary, cmd.specs) + '\n');
    return 0;
  }
  let settings: SettingValues;
  try {
    settings = loadSettings(cmd.specs, { argv, env });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(
        `lcs ${cmd.name}: invalid setting ${err.message}\nRun "lcs ${cmd.name} --help" for every setting.\n`,
      );
      return 2;
    }
    throw err;
  }
  const logger = createLogger({ level: settings['log.level'] as Level, base: { component: cmd.name } });
  const component = await cmd.build(settings, logger);
  const { server, url } = await startHttpServer(
    String(settings['http.listen']),
    component.registry,
    component,
  );
  logger.info('serving /healthz /readyz /metrics', { url });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      logger.warn('second signal: exiting now', { signal });
      process.exit(1);
    }
    stopping = true;
    logger.info('shutting down', { signal });
    try {
      await component.shutdown();
    } catch (err) {
      logger.error('shutdown failed', { error: describeError(err) });
    }
    server.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  try {
    await component.start();
  } catch (err) {
    logger.error('start failed', { error: describeError(err) });
    await component.shutdown().catch(() => {});
    server.close();
    return 1;
  }
  logger.info('started');
  return await new Promise<number>(() => {});
}
