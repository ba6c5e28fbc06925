// Runs a long-lived component from the command line: settings (with --help) and the rules
// across them, logger, /healthz /readyz /metrics, and a clean shutdown on SIGTERM/SIGINT
// (signals.ts says when a second one cuts it short). The process edge: argv, env, exit.

import type { ComponentCommand, ComponentDeclarations } from '../../common/component.ts';
import { loadSettings, renderHelp, type SettingsOf } from '../../common/config/settings.ts';
import { ConfigError, describeError } from '../../common/errors.ts';
import { startHttpServer } from '../../common/observe/http-server.ts';
import { createLogger } from '../../common/observe/logger.ts';
import { systemClock } from '../../common/time/clock.ts';
import { StopSignals } from './signals.ts';

export async function runComponent<D extends ComponentDeclarations>(
  name: string,
  summary: string,
  cmd: ComponentCommand<D>,
  argv: string[],
  env: NodeJS.ProcessEnv,
): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(renderHelp(name, summary, cmd.settings) + '\n');
    return 0;
  }
  let settings: SettingsOf<D>;
  try {
    settings = loadSettings(cmd.settings, { argv, env });
    const problems = cmd.validate(settings);
    if (problems.length) throw problems[0];
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(
        `lcs ${name}: invalid setting ${err.message}\nRun "lcs ${name} --help" for every setting.\n`,
      );
      return 2;
    }
    throw err;
  }
  const logger = createLogger({ level: settings['log.level'], base: { component: name } });
  const component = await cmd.build(settings, logger);
  const { server, url } = await startHttpServer(settings['http.listen'], component.registry, component);
  logger.info('serving /healthz /readyz /metrics', { url });
  const signals = new StopSignals(systemClock);
  const stop = async (signal: NodeJS.Signals) => {
    const decision = signals.decide(signal);
    if (decision === 'already-stopping') {
      logger.info('already shutting down (press Ctrl-C again after a second to exit at once)', { signal });
      return;
    }
    if (decision === 'exit-now') {
      logger.warn(
        'second Ctrl-C: exiting now without finishing the shutdown; what was not committed or checkpointed is read again at the next start, and a Kafka consumer group waits for this member until its session times out',
        { signal },
      );
      process.exit(1);
    }
    logger.info('shutting down', { signal });
    try {
      await component.shutdown();
    } catch (err) {
      logger.error('shutdown failed', { error: describeError(err) });
    }
    server.close();
    logger.info('stopped');
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
