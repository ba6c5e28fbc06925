// A form generated from a JSON Schema (the CollectEntry schema of GET /api/schema): objects
// become fieldsets (optional ones fold away while empty), strings inputs, enums selects,
// integers number inputs, lists of strings and string maps text areas (one item a line),
// anything else a small JSON text area. Every control is named by its JSON path, the path
// the server's validation issues use, so an issue is shown next to the field it names.

import type { Issue } from './api.ts';
import { h, uid } from './dom.ts';
import { fieldForPath } from './logic.ts';

export interface JsonSchema {
  type?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  enum?: string[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  pattern?: string;
}

export interface SchemaForm {
  element: HTMLElement;
  /** The value the form holds (empty fields left out). */
  get(): Record<string, unknown>;
  set(value: unknown): void;
  /** Shows each issue next to its field; returns those no field is named by. */
  showIssues(issues: Issue[]): Issue[];
  clearIssues(): void;
  /** The JSON paths that have a field. */
  paths(): string[];
}

interface Node {
  get(): unknown;
  set(v: unknown): void;
}

interface Slot {
  wrapper: HTMLElement;
  control?: HTMLElement;
  error: HTMLElement;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const childPath = (path: string, key: string): string => (path ? `${path}.${key}` : key);

export function schemaForm(schema: JsonSchema): SchemaForm {
  const slots = new Map<string, Slot>();

  const errorFor = (path: string): HTMLElement =>
    h('p', { class: 'field-error', id: uid('err'), 'data-error-for': path, hidden: true });

  const describe = (control: HTMLElement, ...ids: (string | undefined)[]): void => {
    const all = [control.getAttribute('aria-describedby'), ...ids].filter(Boolean).join(' ');
    if (all) control.setAttribute('aria-describedby', all);
  };

  function leaf(
    path: string,
    key: string,
    s: JsonSchema,
    required: boolean,
  ): { el: HTMLElement; node: Node } {
    const id = uid('in');
    const hint = [s.description, s.default !== undefined ? `default ${JSON.stringify(s.default)}` : '']
      .filter(Boolean)
      .join(' · ');
    const error = errorFor(path);
    const hintEl = hint ? h('small', { class: 'hint', id: `${id}-hint` }, hint) : undefined;
    let control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
    let node: Node;
    const common = { id, name: path, 'data-path': path };
    if (s.type === 'string' && s.enum) {
      const sel = h(
        'select',
        common,
        h('option', { value: '' }, s.default !== undefined ? `(not set: ${String(s.default)})` : '(not set)'),
        s.enum.map((v) => h('option', { value: v }, v)),
      );
      control = sel;
      node = { get: () => sel.value || undefined, set: (v) => (sel.value = typeof v === 'string' ? v : '') };
    } else if (s.type === 'string') {
      const input = h('input', { ...common, type: 'text', spellcheck: 'false', autocomplete: 'off' });
      control = input;
      node = {
        get: () => input.value || undefined,
        set: (v) => (input.value = v === undefined ? '' : String(v)),
      };
    } else if (s.type === 'integer' || s.type === 'number') {
      const input = h('input', {
        ...common,
        type: 'number',
        step: s.type === 'integer' ? 1 : 'any',
        min: s.minimum,
        max: s.maximum,
        placeholder: s.default !== undefined ? String(s.default) : undefined,
      });
      control = input;
      node = {
        get: () => {
          if (input.value === '') return undefined;
          const n = Number(input.value);
          return Number.isFinite(n) ? n : input.value;
        },
        set: (v) => (input.value = v === undefined || v === null ? '' : String(v)),
      };
    } else if (s.type === 'array' && s.items?.type === 'string') {
      const ta = h('textarea', { ...common, rows: 3, spellcheck: 'false', class: 'lines' });
      control = ta;
      node = {
        get: () => {
          const lines = ta.value
            .split('\n')
            .map((l) => l.trim())
            .filter(Boolean);
          return lines.length ? lines : undefined;
        },
        set: (v) => (ta.value = Array.isArray(v) ? v.join('\n') : v === undefined ? '' : JSON.stringify(v)),
      };
    } else if (
      s.type === 'object' &&
      !s.properties &&
      isObject(s.additionalProperties) &&
      s.additionalProperties.type === 'string'
    ) {
      const ta = h('textarea', { ...common, rows: 3, spellcheck: 'false', class: 'lines' });
      control = ta;
      node = {
        get: () => {
          const out: Record<string, string> = {};
          for (const line of ta.value.split('\n')) {
            if (!line.trim()) continue;
            const eq = line.indexOf('=');
            if (eq < 0) out[line.trim()] = '';
            else out[line.slice(0, eq).trim()] = line.slice(eq + 1);
          }
          return Object.keys(out).length ? out : undefined;
        },
        set: (v) =>
          (ta.value = isObject(v)
            ? Object.entries(v)
                .map(([k, x]) => `${k}=${String(x)}`)
                .join('\n')
            : ''),
      };
    } else {
      // Lists of objects and the like: edited as JSON in place.
      const ta = h('textarea', { ...common, rows: 3, spellcheck: 'false', class: 'json' });
      control = ta;
      node = {
        get: () => {
          if (!ta.value.trim()) return undefined;
          try {
            return JSON.parse(ta.value) as unknown;
          } catch {
            return ta.value;
          }
        },
        set: (v) => (ta.value = v === undefined ? '' : JSON.stringify(v)),
      };
    }
    describe(control, hintEl?.id, error.id);
    const kind =
      s.type === 'array' && s.items?.type === 'string'
        ? ' (one a line)'
        : control.classList.contains('lines')
          ? ' (key=value, one a line)'
          : control.classList.contains('json')
            ? ' (JSON)'
            : '';
    const el = h(
      'div',
      { class: 'field', 'data-path': path },
      h('label', { for: id }, key, kind, required ? h('span', { class: 'req' }, ' (required)') : null),
      control,
      hintEl,
      error,
    );
    slots.set(path, { wrapper: el, control, error });
    return { el, node };
  }

  function group(
    path: string,
    key: string,
    s: JsonSchema,
    required: boolean,
  ): { el: HTMLElement; node: Node } {
    const children: [string, Node][] = [];
    const error = errorFor(path || '(root)');
    const body: HTMLElement[] = [];
    for (const [k, sub] of Object.entries(s.properties ?? {})) {
      const req = s.required?.includes(k) ?? false;
      const built =
        sub.type === 'object' && sub.properties
          ? group(childPath(path, k), k, sub, req)
          : leaf(childPath(path, k), k, sub, req);
      children.push([k, built.node]);
      body.push(built.el);
    }
    const node: Node = {
      get() {
        const out: Record<string, unknown> = {};
        for (const [k, n] of children) {
          const v = n.get();
          if (v !== undefined) out[k] = v;
        }
        return Object.keys(out).length || !path ? out : undefined;
      },
      set(v) {
        const o = isObject(v) ? v : {};
        for (const [k, n] of children) n.set(o[k]);
        if (fold) fold.open = required || isObject(v);
      },
    };
    const desc = s.description ? h('small', { class: 'hint' }, s.description) : null;
    let fold: HTMLDetailsElement | undefined;
    let el: HTMLElement;
    if (!path) el = h('div', { class: 'group root', 'data-path': '(root)' }, error, desc, body);
    else {
      // An optional group folds away under its summary, which then names it (no legend twice).
      const set = h(
        'fieldset',
        { class: 'group', 'data-path': path, 'aria-label': required ? undefined : key },
        required ? h('legend', null, key) : null,
        desc,
        error,
        body,
      );
      if (required) el = set;
      else {
        fold = h(
          'details',
          { class: 'fold', 'data-path': path },
          h('summary', null, key, ' (optional)'),
          set,
        );
        el = fold;
      }
    }
    slots.set(path || '(root)', { wrapper: el, error });
    return { el, node };
  }

  const root = group('', '', schema, true);
  const element = h('div', { class: 'schema-form' }, root.el);

  const clearIssues = (): void => {
    for (const s of slots.values()) {
      s.error.hidden = true;
      s.error.textContent = '';
      s.wrapper.classList.remove('invalid');
      s.control?.removeAttribute('aria-invalid');
    }
  };

  return {
    element,
    get: () => root.node.get() as Record<string, unknown>,
    set: (v) => root.node.set(v),
    paths: () => [...slots.keys()],
    clearIssues,
    showIssues(issues) {
      clearIssues();
      const rest: Issue[] = [];
      let first: HTMLElement | undefined;
      for (const issue of issues) {
        const at = fieldForPath(issue.path, slots.keys());
        const slot = at === undefined ? undefined : slots.get(at);
        if (!slot) {
          rest.push(issue);
          continue;
        }
        slot.error.hidden = false;
        const sub = issue.path === at ? '' : `${issue.path}: `;
        slot.error.textContent = slot.error.textContent
          ? `${slot.error.textContent}; ${sub}${issue.message}`
          : `${sub}${issue.message}`;
        slot.wrapper.classList.add('invalid');
        slot.control?.setAttribute('aria-invalid', 'true');
        // Unfold every optional group around the field so the error can be seen.
        for (let p = slot.wrapper.parentElement; p; p = p.parentElement)
          if (p instanceof HTMLDetailsElement) p.open = true;
        first ??= slot.control ?? slot.wrapper;
      }
      first?.focus();
      return rest;
    },
  };
}
