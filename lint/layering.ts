// The layering rule (`lcs/layering` in eslint.config.js): which top-level folder may import
// which. `common/` holds the contracts and imports no component; a component imports
// `common/` and itself, never another component; `cmd/` is the composition root and may
// import them all. Runtime code never imports tests, benchmarks or the development
// bootstrap. A folder not listed here (test/, bench/, lint/) is outside the rule: tests and
// benchmarks drive components directly. Only relative imports are checked; packages and
// node: built-ins are not rooms.

import path from 'node:path';
import type { Rule } from 'eslint';

const COMPONENTS = ['agent', 'transfer', 'operator', 'metrics', 'console'] as const;

/** Room → the rooms it may import (itself included). */
export const ROOMS: Readonly<Record<string, readonly string[]>> = {
  common: ['common'],
  ...Object.fromEntries(COMPONENTS.map((c) => [c, [c, 'common']])),
  cmd: ['cmd', 'common', ...COMPONENTS],
  // The development bootstrap runs the CLI and reads the command table; never a component.
  deploy: ['deploy', 'common', 'cmd'],
};

const WHY: Record<string, string> = {
  common: 'common/ holds the shared contracts and imports no component',
  cmd: 'cmd/ wires components; it does not import tests, benchmarks or the development bootstrap',
  deploy: 'deploy/ runs the CLI (cmd/) and does not import a component',
};
const why = (room: string): string =>
  WHY[room] ?? `a component imports only common/ and itself; shared code belongs in common/, wiring in cmd/`;

/** The top-level folder of `file` under `root`, or undefined outside it. */
export function roomOf(root: string, file: string): string | undefined {
  const rel = path.relative(root, file);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  const [first, ...rest] = rel.split(path.sep);
  return rest.length ? first : undefined;
}

/** The problem with `from` importing `specifier`, or undefined when the layering allows it. */
export function layeringProblem(root: string, from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return undefined;
  const room = roomOf(root, from);
  const allowed = room === undefined ? undefined : ROOMS[room];
  if (room === undefined || !allowed) return undefined;
  const target = path.resolve(path.dirname(from), specifier);
  if (path.relative(root, target).startsWith('..'))
    return `${room}/ may not import from outside the repository (${specifier})`;
  const targetRoom = roomOf(root, target);
  // A file at the top (package.json) is in no room.
  if (targetRoom === undefined || allowed.includes(targetRoom)) return undefined;
  return `${room}/ may not import ${targetRoom}/ (${path.relative(root, target)}): ${why(room)}`;
}

export function layeringRule(root: string): Rule.RuleModule {
  return {
    meta: {
      type: 'problem',
      docs: {
        description: 'common/ imports no component, components do not import each other (lint/README.md)',
      },
      schema: [],
    },
    create(context) {
      const check = (node: Rule.Node, source: unknown): void => {
        if (typeof source !== 'string') return;
        const message = layeringProblem(root, context.filename, source);
        if (message) context.report({ node, message });
      };
      const literal = (n: unknown): unknown => {
        const e = n as {
          type?: string;
          value?: unknown;
          quasis?: { value: { cooked: string } }[];
          expressions?: unknown[];
        };
        if (e?.type === 'Literal') return e.value;
        if (e?.type === 'TemplateLiteral' && e.expressions?.length === 0) return e.quasis?.[0]?.value.cooked;
        return undefined;
      };
      return {
        ImportDeclaration: (node) => check(node, node.source.value),
        ExportAllDeclaration: (node) => check(node, node.source.value),
        ExportNamedDeclaration: (node) => check(node, node.source?.value),
        ImportExpression: (node) => check(node, literal(node.source)),
      };
    },
  };
}
