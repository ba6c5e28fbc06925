// The documentation points only at what the repository holds. (a) Every link in every
// markdown file (inline, image, reference definition, autolink, bare URL, HTML href/src) is
// relative, stays inside the repository and names a file or folder that exists; a `#anchor`
// into a markdown file names one of its headings. (b) Every backticked repository path in the
// pages that walk the code (docs/architecture.md) exists, so the walk cannot drift from the
// files silently. Pure file reading: a unit test, no services.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { glob } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(import.meta.dirname, '..');

/** Folders that are not the repository's own text. */
const SKIP_DIRS = new Set(['node_modules', '.lcs', '.git']);

/** Links that may leave the repository, with why. None is needed today. */
const ALLOWED_EXTERNAL: ReadonlyMap<string, string> = new Map();

/** Pages whose backticked paths must all exist. */
const WALK_PAGES = ['docs/architecture.md'];

/** Endings that make a backticked word a file path even without a folder. */
const PATH_ENDINGS = /\.(ts|js|cjs|mjs|json|md|ya?ml|sh)$/;

export function markdownFiles(dir = root): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) out.push(...markdownFiles(join(dir, e.name)));
    } else if (e.isFile() && e.name.endsWith('.md')) out.push(join(dir, e.name));
  }
  return out.sort();
}

/** The text without fenced code blocks (their lines become empty, so line numbers hold). */
export function withoutFences(text: string): string {
  let fence: string | undefined;
  return text
    .split('\n')
    .map((line) => {
      const m = /^ {0,3}(`{3,}|~{3,})/.exec(line);
      if (fence === undefined) {
        if (m) {
          fence = m[1]!;
          return '';
        }
        return line;
      }
      if (m && m[1]![0] === fence[0] && m[1]!.length >= fence.length && line.trim() === m[1])
        fence = undefined;
      return '';
    })
    .join('\n');
}

/** Inline code spans of one line (CommonMark: a run of N backticks closed by a run of N). */
export function codeSpans(line: string): { text: string; start: number; end: number }[] {
  const out: { text: string; start: number; end: number }[] = [];
  const re = /`+/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) {
    const open = m[0];
    const close = new RegExp(`(?<!\`)${open}(?!\`)`, 'g');
    close.lastIndex = m.index + open.length;
    const c = close.exec(line);
    if (!c) continue;
    let text = line.slice(m.index + open.length, c.index);
    if (text.length > 2 && text.startsWith(' ') && text.endsWith(' ')) text = text.slice(1, -1);
    out.push({ text, start: m.index, end: c.index + open.length });
    re.lastIndex = c.index + open.length;
  }
  return out;
}

export interface Link {
  line: number;
  target: string;
}

/** Every link target in a markdown text, outside code. */
export function linksOf(text: string): Link[] {
  const out: Link[] = [];
  withoutFences(text)
    .split('\n')
    .forEach((raw, i) => {
      // Code spans are blanked (same length), so a link inside one is not a link.
      let line = raw;
      for (const s of codeSpans(raw))
        line = line.slice(0, s.start) + ' '.repeat(s.end - s.start) + line.slice(s.end);
      const add = (target: string) => out.push({ line: i + 1, target });
      // [text](target "title") and ![alt](target); the target may be in <…>.
      for (const m of line.matchAll(
        /\]\(\s*(<[^>]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+("[^"]*"|'[^']*'))?\s*\)/g,
      ))
        add(m[1]!.replace(/^<|>$/g, ''));
      // [label]: target
      const def = /^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/.exec(line);
      if (def) add(def[1]!.replace(/^<|>$/g, ''));
      // <scheme:…> autolinks
      for (const m of line.matchAll(/<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*)>/g)) add(m[1]!);
      // HTML href/src
      for (const m of line.matchAll(/\b(?:href|src)\s*=\s*["']([^"']*)["']/gi)) add(m[1]!);
      // Bare URLs (GitHub links them too), unless already part of a link found above.
      for (const m of line.matchAll(/(?<![(<"'=])\b(?:https?:\/\/|www\.)[^\s<>)]+/g)) add(m[0]);
    });
  return out;
}

/** GitHub's heading anchors of a markdown text. */
export function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of withoutFences(text).split('\n')) {
    const m = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const slug = m[1]!
      .replace(/`/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n ? `${slug}-${n}` : slug);
  }
  return out;
}

/** What is wrong with one link of `file` (absolute path), or undefined. */
export function linkProblem(file: string, target: string, repo = root): string | undefined {
  if (target === '') return 'an empty link';
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(target) || target.startsWith('//') || target.startsWith('www.')) {
    return ALLOWED_EXTERNAL.has(target)
      ? undefined
      : 'leaves the repository (no link may; say it in words or link a page of this repository)';
  }
  if (target.startsWith('/')) return 'is absolute; links are relative to the file they are in';
  const hash = target.indexOf('#');
  const pathPart = hash === -1 ? target : target.slice(0, hash);
  const anchor = hash === -1 ? undefined : target.slice(hash + 1);
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathPart.split('?')[0]!);
  } catch {
    return 'is not a valid URL path';
  }
  const abs = decoded === '' ? file : resolve(dirname(file), decoded);
  const rel = relative(repo, abs);
  if (rel.startsWith('..') || resolve(repo, rel) !== abs) return 'points outside the repository';
  if (rel.split(sep).some((part) => SKIP_DIRS.has(part)))
    return `points into ${rel.split(sep)[0]}/, which is not part of the repository`;
  if (!existsSync(abs)) return `names ${rel || '.'}, which does not exist`;
  if (anchor && abs.endsWith('.md') && statSync(abs).isFile()) {
    if (!anchorsOf(readFileSync(abs, 'utf8')).has(anchor.toLowerCase()))
      return `names the anchor #${anchor}, which is no heading of ${rel}`;
  }
  return undefined;
}

/** Backticked words of a page that look like repository paths, with their lines. */
export function repoPathsOf(text: string, topLevel: ReadonlySet<string>): Link[] {
  const out: Link[] = [];
  withoutFences(text)
    .split('\n')
    .forEach((line, i) => {
      for (const { text: t } of codeSpans(line)) {
        // Only path characters (globs allowed): no spaces, no placeholders like <ns>.
        if (!/^[\w@.*-]+(\/[\w@.*{},-]+)*\/?$/.test(t) || t.startsWith('.')) continue;
        const first = t.split('/')[0]!;
        if ((t.includes('/') && topLevel.has(first)) || PATH_ENDINGS.test(t))
          out.push({ line: i + 1, target: t });
      }
    });
  return out;
}

/** The top-level names a repository path can start with: the repository's own folders. */
export function topLevelFolders(repo = root): Set<string> {
  return new Set(
    readdirSync(repo, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !SKIP_DIRS.has(e.name) && !e.name.startsWith('.'))
      .map((e) => e.name),
  );
}

export async function repoPathProblem(path: string, repo = root): Promise<string | undefined> {
  if (/[*?{]/.test(path)) {
    for await (const _ of glob(path, { cwd: repo })) return undefined;
    return `the glob ${path} matches no file`;
  }
  return existsSync(join(repo, path)) ? undefined : `${path} does not exist`;
}

test('every markdown link is relative, stays in the repository and names what exists', () => {
  const files = markdownFiles();
  assert.ok(files.length > 10, `found only ${files.length} markdown files under ${root}`);
  const problems: string[] = [];
  let links = 0;
  for (const file of files) {
    for (const l of linksOf(readFileSync(file, 'utf8'))) {
      links++;
      const p = linkProblem(file, l.target);
      if (p) problems.push(`${relative(root, file)}:${l.line}: link ${l.target} ${p}`);
    }
  }
  assert.deepEqual(problems, [], `bad links:\n${problems.join('\n')}`);
  assert.ok(links > 20, `found only ${links} links: the link parser is broken`);
});

test('every backticked repository path in the walk through the code exists', async () => {
  const top = topLevelFolders();
  const problems: string[] = [];
  for (const page of WALK_PAGES) {
    const file = join(root, page);
    assert.ok(existsSync(file), `${page} is missing`);
    const paths = repoPathsOf(readFileSync(file, 'utf8'), top);
    assert.ok(
      paths.length > 30,
      `${page}: only ${paths.length} backticked paths found: the parser is broken`,
    );
    for (const p of paths) {
      const problem = await repoPathProblem(p.target);
      if (problem) problems.push(`${page}:${p.line}: \`${p.target}\`: ${problem}`);
    }
  }
  assert.deepEqual(problems, [], `paths that do not exist:\n${problems.join('\n')}`);
});

test('the checks themselves: bad links and paths are found, good ones pass', async () => {
  const md = [
    'See [design](design.md), [a](#the-walk), ![x](../README.md "t"), <https://example.com>,',
    'https://example.org/x and `[not a link](nowhere.md)`;',
    '[ref]: ../agent/',
    '```',
    '[in a fence](nowhere.md)',
    '```',
    '## The walk',
  ].join('\n');
  assert.deepEqual(
    linksOf(md).map((l) => l.target),
    ['design.md', '#the-walk', '../README.md', 'https://example.com', 'https://example.org/x', '../agent/'],
  );
  const page = join(root, 'docs', 'x.md');
  assert.equal(linkProblem(page, 'design.md'), undefined);
  assert.equal(linkProblem(page, '../agent/'), undefined);
  assert.match(linkProblem(page, 'nowhere.md') ?? '', /docs\/nowhere\.md, which does not exist/);
  assert.match(linkProblem(page, 'https://example.com') ?? '', /leaves the repository/);
  assert.match(linkProblem(page, '../../etc/passwd') ?? '', /outside the repository/);
  assert.match(linkProblem(page, '/README.md') ?? '', /absolute/);
  assert.match(linkProblem(page, '../node_modules/') ?? '', /not part of the repository/);
  assert.equal(linkProblem(page, 'design.md#the-event'), undefined);
  assert.match(linkProblem(page, 'design.md#no-such-heading') ?? '', /no heading of docs\/design\.md/);
  assert.deepEqual(
    [...anchorsOf('# A `b` c.d\n## Status and observability\n# A b cd')],
    ['a-b-cd', 'status-and-observability', 'a-b-cd-1'],
  );

  const top = topLevelFolders();
  const spans = repoPathsOf(
    'The `agent/tailer.ts`, `common/event/`, `package.json`, `agent/*.ts`, `agent/nope.ts`, ' +
      '`/var/log`, `k8s/<ns>/<name>`, `op_type: create`, `lcs agent`, `event.id`',
    top,
  ).map((p) => p.target);
  assert.deepEqual(spans, [
    'agent/tailer.ts',
    'common/event/',
    'package.json',
    'agent/*.ts',
    'agent/nope.ts',
  ]);
  assert.equal(await repoPathProblem('agent/tailer.ts'), undefined);
  assert.equal(await repoPathProblem('agent/*.ts'), undefined);
  assert.match((await repoPathProblem('agent/nope.ts')) ?? '', /agent\/nope\.ts does not exist/);
  assert.match((await repoPathProblem('agent/*.nope')) ?? '', /matches no file/);
});
