// Lint rules that catch real bugs in async I/O code, and the layering of the folders
// (lint/layering.ts); style is prettier's job.
import path from 'node:path';
import tseslint from 'typescript-eslint';
import { layeringRule } from './lint/layering.ts';

const root = import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname);

export default tseslint.config(
  { ignores: ['node_modules/**', '.lcs/**', 'charts/**', 'logs/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['**/*.ts', '**/*.js'],
    plugins: { lcs: { rules: { layering: layeringRule(root) } } },
    rules: { 'lcs/layering': 'error' },
  },
);
