// Getting the software: Debian packages (without letting them start their own daemons),
// Maven artifacts, and the unprivileged user that Elasticsearch insists on.
// Every step is idempotent and returns quickly when the work is already done.
import fs from 'node:fs';
import path from 'node:path';
import { runCommand, lastLines } from './command.ts';
import { ServiceError } from './errors.ts';

export type Log = (line: string) => void;

const POLICY_RC_D = '/usr/sbin/policy-rc.d';
const APT_ENV = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };

export interface AptPackage {
  /** Debian package name. */
  name: string;
  /** A file the package installs; its presence means "installed". */
  provides: string;
  /** System user the package creates for its own daemon, if any. */
  daemonUser?: string;
  /** systemd unit the package ships, if any. */
  unit?: string;
}

/** Installs the missing packages with their daemons kept from starting; returns what it installed. */
export async function aptEnsure(packages: readonly AptPackage[], log: Log): Promise<string[]> {
  const missing = packages.filter((p) => !fs.existsSync(p.provides));
  if (missing.length === 0) return [];
  const names = missing.map((p) => p.name);
  log(`installing ${names.join(', ')} (apt)…`);
  const restore = blockDaemonStarts();
  try {
    let result = await aptInstall(names);
    if (
      result.code !== 0 &&
      /Unable to locate package|has no installation candidate|404\s+Not Found/.test(result.stderr)
    ) {
      log('apt has no candidate: running apt-get update once…');
      await runCommand('apt-get', ['update', '-qq'], { env: APT_ENV });
      result = await aptInstall(names);
    }
    if (result.code !== 0) {
      throw new ServiceError(
        'install-failed',
        `apt-get install ${names.join(' ')} failed (exit ${result.code}):\n${lastLines(result.stdout + result.stderr, 30)}\n` +
          'hint: run it by hand as root to see the whole output; these packages come from Debian bookworm main',
      );
    }
  } finally {
    restore();
  }
  await stopPackagedDaemons(missing, log);
  return names;
}

function aptInstall(names: readonly string[]) {
  return runCommand('apt-get', ['install', '-y', '--no-install-recommends', ...names], { env: APT_ENV });
}

/** A policy-rc.d that answers 101 ("action forbidden") stops postinst scripts from starting daemons. */
function blockDaemonStarts(): () => void {
  let previous: Buffer | undefined;
  try {
    previous = fs.readFileSync(POLICY_RC_D);
  } catch {
    previous = undefined;
  }
  fs.writeFileSync(
    POLICY_RC_D,
    '#!/bin/sh\n# written by LCS deploy/local during apt-get install\nexit 101\n',
    { mode: 0o755 },
  );
  return () => {
    if (previous === undefined) fs.rmSync(POLICY_RC_D, { force: true });
    else fs.writeFileSync(POLICY_RC_D, previous);
  };
}

/** Belt and braces: disable the packaged units and kill any daemon running as the package's user. */
async function stopPackagedDaemons(packages: readonly AptPackage[], log: Log): Promise<void> {
  const systemd = fs.existsSync('/run/systemd/system');
  for (const p of packages) {
    if (systemd && p.unit) await runCommand('systemctl', ['disable', '--now', p.unit]);
    if (!p.daemonUser) continue;
    const uid = await userId(p.daemonUser);
    if (uid === undefined) continue;
    for (const pid of pidsOwnedBy(uid)) {
      log(`stopping packaged ${p.name} daemon (pid ${pid}) so it does not hold our port`);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
  }
}

function pidsOwnedBy(uid: number): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.statSync(`/proc/${entry}`).uid === uid) pids.push(Number(entry));
    } catch {
      // Exited while we looked.
    }
  }
  return pids;
}

export async function userId(name: string): Promise<number | undefined> {
  const result = await runCommand('id', ['-u', name]);
  return result.code === 0 ? Number(result.stdout.trim()) : undefined;
}

/** Creates a system user (no login, no home) when it does not exist; returns its uid and gid. */
export async function ensureSystemUser(name: string, log: Log): Promise<{ uid: number; gid: number }> {
  if ((await userId(name)) === undefined) {
    log(`creating system user ${name} (Elasticsearch refuses to run as root)…`);
    const result = await runCommand('useradd', [
      '--system',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      name,
    ]);
    if (result.code !== 0)
      throw new ServiceError('install-failed', `useradd ${name} failed: ${result.stderr.trim()}`);
  }
  const uid = await userId(name);
  const gid = await runCommand('id', ['-g', name]);
  if (uid === undefined || gid.code !== 0)
    throw new ServiceError('install-failed', `user ${name} has no uid`);
  return { uid, gid: Number(gid.stdout.trim()) };
}

/** Fetches one artifact into ~/.m2 and returns its path there. */
export async function mavenGet(
  group: string,
  artifact: string,
  version: string,
  type: string,
): Promise<string> {
  const file = path.join(
    process.env.HOME ?? '/root',
    '.m2/repository',
    ...group.split('.'),
    artifact,
    version,
    `${artifact}-${version}.${type}`,
  );
  if (fs.existsSync(file)) return file;
  const coords = `${group}:${artifact}:${version}:${type}`;
  const result = await runCommand('mvn', [
    '-q',
    '-B',
    'dependency:get',
    `-Dartifact=${coords}`,
    '-Dtransitive=false',
  ]);
  if (result.code !== 0 || !fs.existsSync(file)) {
    throw new ServiceError(
      'install-failed',
      `mvn dependency:get ${coords} failed:\n${lastLines(result.stdout + result.stderr, 30)}\n` +
        'hint: check that Maven Central is reachable (mvn -v; ~/.m2/settings.xml)',
    );
  }
  return file;
}

export interface MavenDependency {
  groupId: string;
  artifactId: string;
  version: string;
}

export function renderPom(dependencies: readonly MavenDependency[]): string {
  const deps = dependencies
    .map(
      (d) =>
        `    <dependency><groupId>${d.groupId}</groupId><artifactId>${d.artifactId}</artifactId>` +
        `<version>${d.version}</version></dependency>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by LCS deploy/local: the runtime classpath of a service, resolved by Maven. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>lcs.local</groupId>
  <artifactId>runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
${deps}
  </dependencies>
</project>
`;
}

/** Copies the dependencies and everything they need at runtime into `libDir` (once). */
export async function mavenClasspath(dir: string, dependencies: readonly MavenDependency[]): Promise<string> {
  const libDir = path.join(dir, 'libs');
  const done = path.join(libDir, '.complete');
  if (fs.existsSync(done)) return libDir;
  fs.mkdirSync(dir, { recursive: true });
  fs.rmSync(libDir, { recursive: true, force: true });
  fs.writeFileSync(path.join(dir, 'pom.xml'), renderPom(dependencies));
  const result = await runCommand(
    'mvn',
    ['-q', '-B', 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${libDir}`],
    { cwd: dir },
  );
  if (result.code !== 0) {
    throw new ServiceError(
      'install-failed',
      `mvn dependency:copy-dependencies in ${dir} failed:\n${lastLines(result.stdout + result.stderr, 30)}\n` +
        'hint: check that Maven Central is reachable; delete that folder to start over',
    );
  }
  fs.writeFileSync(done, '');
  return libDir;
}
