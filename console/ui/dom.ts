// A few DOM helpers instead of a framework: h() builds an element with attributes, listeners
// and children; the pages rebuild their parts of the page from the API's answers.

export type Child = Node | string | number | null | undefined | false | Child[];
type Listener = (ev: Event) => void;
export type Attrs = Record<string, string | number | boolean | null | undefined | Listener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (k === 'value' && 'value' in el) (el as HTMLInputElement).value = String(v);
    else if (k === 'checked' && el instanceof HTMLInputElement) el.checked = Boolean(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(parent, c);
    else
      parent.appendChild(
        typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c,
      );
  }
}

/** Replaces every child of `el`. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

let ids = 0;
/** A fresh element id (labels point at inputs by id). */
export const uid = (prefix = 'f'): string => `${prefix}-${++ids}`;

/** A labelled input row: the label, the control and a place for its error. */
export function field(
  label: string,
  control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement,
  hint?: string,
): HTMLDivElement {
  if (!control.id) control.id = uid();
  const hintEl = hint ? h('small', { class: 'hint', id: `${control.id}-hint` }, hint) : undefined;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hintEl);
}

/** A table from a header and rows; an empty list shows `empty` in one cell. */
export function table(
  caption: string,
  headers: string[],
  rows: Child[][],
  empty = 'nothing here',
): HTMLTableElement {
  return h(
    'table',
    null,
    h('caption', null, caption),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        headers.map((x) => h('th', { scope: 'col' }, x)),
      ),
    ),
    h(
      'tbody',
      null,
      rows.length
        ? rows.map((r) =>
            h(
              'tr',
              null,
              r.map((c) => h('td', null, c)),
            ),
          )
        : h('tr', null, h('td', { colspan: headers.length, class: 'empty' }, empty)),
    ),
  );
}

export function button(label: string, onclick: () => void, attrs: Attrs = {}): HTMLButtonElement {
  return h('button', { type: 'button', ...attrs, onclick: () => onclick() }, label);
}

/** A badge for a state word (online, stale, offline, current, failing …). */
export const badge = (state: string): HTMLSpanElement => h('span', { class: `badge ${state}` }, state);
