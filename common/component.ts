// The contract every long-running component implements, so one runner (cmd/lcs) can start any
// of them from the command line: its settings declared once, the rules across them, and a
// factory that wires a Component from the typed settings. Nothing here touches the process.

import type { ConfigError } from './errors.ts';
import type { serveSettings } from './config/common-settings.ts';
import type { Declarations, SettingsOf } from './config/settings.ts';
import type { Logger } from './observe/logger.ts';
import type { Probe } from './observe/http-server.ts';
import type { Registry } from './observe/metrics.ts';

export interface Component extends Probe {
  registry: Registry;
  start(): Promise<void>;
  /** Flushes and releases everything; safe to call twice. */
  shutdown(): Promise<void>;
}

/** Every component serves /healthz /readyz /metrics and logs at a level. */
export type ComponentDeclarations = Declarations & typeof serveSettings;

export interface ComponentCommand<D extends ComponentDeclarations = ComponentDeclarations> {
  /** Every setting the component reads, declared once (`setting.*`); --help lists them in this order. */
  settings: D;
  /** Rules across settings; each problem names the key to change. Runs before build(). */
  validate(settings: SettingsOf<D>): ConfigError[];
  build(settings: SettingsOf<D>, logger: Logger): Promise<Component> | Component;
}
