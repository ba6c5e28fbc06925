// What every local service provides, so services.ts can install, start, probe and stop
// any of them the same way. One file per service implements this.
import type { Env, ServiceName, ServicePaths } from './layout.ts';
import type { AptPackage, Log } from './install.ts';
import type { Launch } from './process.ts';

export interface ServiceContext {
  name: ServiceName;
  /** The service's main (client) port. */
  port: number;
  paths: ServicePaths;
  /** Download cache, shared by every clone of the repo. */
  cache: string;
  env: Env;
  log: Log;
}

export interface ServiceDef {
  name: ServiceName;
  /** How clients reach it, e.g. http://127.0.0.1:2379 or 127.0.0.1:9092. */
  endpoint(host: string, port: number): string;
  /** Debian packages it needs; services.ts installs them all in one apt-get run. */
  packages?: readonly AptPackage[];
  /** Other installs (Maven, unpacking); idempotent and fast when done. */
  install?(ctx: ServiceContext): Promise<void>;
  /** Writes the config, initialises storage on first start, and says how to run it. */
  prepare(ctx: ServiceContext): Promise<Launch>;
  /** One health check: true when the service serves requests. */
  probe(ctx: ServiceContext): Promise<boolean>;
  startTimeoutMs: number;
  /** How long SIGTERM may take before SIGKILL. */
  stopGraceMs: number;
  /** What to look at or do when it will not start. */
  hint: string;
}
