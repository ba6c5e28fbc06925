// Collections: every entry with its live numbers (reloaded on the server's events), one
// entry's detail (the stored value, rollout per revision, history with rollback, delete to
// the recycle bin, the kubectl command of an operator-owned entry), and the editor of an
// ad-hoc entry: a form generated from the schema or the JSON, server validation shown at the
// field, "what does this match", a diff against the stored value, and conflicts shown with
// the value that won.

import {
  ApiError,
  api,
  collectionPath,
  get,
  query,
  stream,
  type CollectionDetail,
  type CollectionRow,
  type Issue,
  type Version,
} from './api.ts';
import type { Ctx } from './app.ts';
import { badge, button, field, h, replace, table } from './dom.ts';
import { ago, compact, diffLines, pretty, route } from './logic.ts';
import { schemaForm, type JsonSchema } from './schema-form.ts';

const ADHOC_PREFIX = '/lcs/v1/collect/adhoc/';
const PAGE = 200;

/** Calls `fn` at most once per `ms`, after the last call (events come in bursts). */
function debounce(fn: () => void, ms: number): () => void {
  let t: ReturnType<typeof setTimeout> | undefined;
  return () => {
    if (t) clearTimeout(t);
    t = setTimeout(() => {
      t = undefined;
      fn();
    }, ms);
  };
}

/** The live stream of a page: `reload` on every change, the stream's state shown in `el`. */
function liveUpdates(el: HTMLElement, reload: () => void, filter?: (ev: string, data: unknown) => boolean) {
  const again = debounce(reload, 250);
  return stream(
    '/api/events',
    {
      collections: (d) => (!filter || filter('collections', d)) && again(),
      node: (d) => (!filter || filter('node', d)) && again(),
    },
    (s) => {
      el.textContent = s === 'open' ? 'live' : s === 'connecting' ? 'reconnecting…' : 'not live';
      el.className = `live ${s}`;
    },
  );
}

export function collectionsPage(main: HTMLElement, _params: string[], ctx: Ctx): () => void {
  const live = h('span', { class: 'live', 'aria-live': 'polite' });
  const body = h('div', { id: 'collections' }, h('p', null, 'Loading…'));
  const canCreate = ctx.whyNot(ADHOC_PREFIX, 'editor');
  const filter = h('input', { type: 'search', name: 'q', id: 'collections-q', spellcheck: 'false' });
  const more = h('div', { class: 'actions' });
  replace(
    main,
    h(
      'div',
      { class: 'page-head' },
      h('h1', null, 'Collections'),
      live,
      canCreate
        ? h('span', { class: 'muted' }, canCreate)
        : h('a', { class: 'button', href: route('collections', 'new') }, 'New ad-hoc entry'),
    ),
    h(
      'form',
      {
        class: 'search',
        role: 'search',
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          pages = [];
          void load();
        },
      },
      field('Filter', filter, 'part of a name, topic or index'),
      h('button', { type: 'submit' }, 'Filter'),
    ),
    body,
    more,
  );
  // One page at a time, in name order (the server pages: there may be tens of thousands).
  // `pages` holds the `after` of each page before the one shown, for going back.
  let pages: string[] = [];
  let after: string | undefined;
  const load = async () => {
    after = pages.at(-1);
    try {
      const res = await get<{ revision: number; total: number; next?: string; collections: CollectionRow[] }>(
        `/api/collections${query({ q: filter.value.trim(), limit: PAGE, after })}`,
      );
      replace(
        more,
        pages.length
          ? button('Previous page', () => {
              pages.pop();
              void load();
            })
          : null,
        res.next
          ? button(
              'Next page',
              () => {
                pages.push(res.next!);
                void load();
              },
              { id: 'collections-next' },
            )
          : null,
      );
      replace(
        body,
        table(
          `${res.total} collection(s)${filter.value.trim() ? ` matching "${filter.value.trim()}"` : ''}` +
            `${res.total > res.collections.length ? `, ${res.collections.length} shown` : ''} (etcd revision ${res.revision})`,
          ['name', 'origin', 'topic', 'index', 'nodes', 'events/s', 'lag', 'errors', 'lost'],
          res.collections.map((c) => [
            h(
              'a',
              { href: route('collections', c.name) },
              c.name,
              c.valid ? null : h('span', { class: 'badge failing', title: c.error }, 'invalid'),
            ),
            c.origin,
            c.topic ?? '',
            c.index ?? '',
            String(c.live.nodes),
            compact(c.live.eventsPerSec),
            compact(c.live.lagBytes, 'B'),
            c.live.errors ? h('span', { class: 'bad' }, String(c.live.errors)) : '0',
            c.live.lostBytes ? h('span', { class: 'bad' }, compact(c.live.lostBytes, 'B')) : '0',
          ]),
          'No collect entries yet: create an ad-hoc entry, or apply a LogCollection resource.',
        ),
      );
    } catch (err) {
      ctx.fail(err, 'load the collections');
    }
  };
  void load();
  return liveUpdates(live, () => void load());
}

export function collectionPage(main: HTMLElement, params: string[], ctx: Ctx): () => void {
  const name = params[0]!;
  const live = h('span', { class: 'live', 'aria-live': 'polite' });
  const body = h('div', null, h('p', null, 'Loading…'));
  replace(
    main,
    h('p', { class: 'crumbs' }, h('a', { href: route('collections') }, 'Collections'), ' / ', name),
    h('div', { class: 'page-head' }, h('h1', null, name), live),
    body,
  );
  // While this page deletes the entry it reads nothing more (the events keep coming).
  const quiet = { on: false };
  const load = async () => {
    if (quiet.on) return;
    let c: CollectionDetail;
    let history: { versions: Version[]; compactedBefore?: number } | undefined;
    try {
      c = await get<CollectionDetail>(collectionPath(name));
    } catch (err) {
      if (err instanceof ApiError && err.status === 404)
        replace(body, h('p', null, `There is no collection ${name} (it may have been deleted).`));
      else ctx.fail(err, `load ${name}`);
      return;
    }
    try {
      history = await get<{ versions: Version[]; compactedBefore?: number }>(
        collectionPath(name, '/history'),
      );
    } catch (err) {
      ctx.fail(err, `load the history of ${name}`);
    }
    replace(
      body,
      detail(c, history, ctx, () => void load(), quiet),
    );
  };
  void load();
  return liveUpdates(
    live,
    () => void load(),
    (ev, d) => {
      if (quiet.on) return false;
      if (ev === 'node') return true;
      const e = d as { name?: string; modRevision?: number };
      if (e.name !== name) return false;
      // Revision 0: the entry was deleted (here or elsewhere); there is nothing to read again.
      if (e.modRevision === 0) {
        replace(body, h('p', { class: 'notice' }, `${name} was deleted; it is in the recycle bin (Trash).`));
        return false;
      }
      return true;
    },
  );
}

function detail(
  c: CollectionDetail,
  history: { versions: Version[]; compactedBefore?: number } | undefined,
  ctx: Ctx,
  reload: () => void,
  quiet: { on: boolean },
): HTMLElement {
  const why = c.readOnly
    ? `${c.origin} entries are owned by ${c.name.startsWith('k8s/') ? 'the operator' : 'the legacy key'}: read-only here.`
    : ctx.whyNot(c.key, 'editor');
  const actions = h('div', { class: 'actions' });
  if (!c.readOnly) {
    if (why) actions.append(h('p', { class: 'muted', id: 'write-why' }, why));
    actions.append(
      why
        ? h('button', { type: 'button', disabled: true, 'aria-describedby': 'write-why' }, 'Edit')
        : h('a', { class: 'button', href: route('collections', c.name, 'edit') }, 'Edit'),
      deleteButton(c, ctx, why, quiet),
    );
  }
  const rollout = c.rollout;
  const counts = rollout?.counts ?? {};
  return h(
    'div',
    { class: 'detail' },
    h(
      'dl',
      { class: 'facts' },
      h('dt', null, 'origin'),
      h('dd', null, c.origin),
      h('dt', null, 'key'),
      h('dd', null, h('code', null, c.key)),
      h('dt', null, 'revision'),
      h('dd', null, String(c.modRevision)),
      h('dt', null, 'topic'),
      h('dd', null, c.topic),
      h('dt', null, 'index'),
      h('dd', null, c.index),
      h('dt', null, 'live'),
      h(
        'dd',
        null,
        `${c.live.nodes} nodes, ${compact(c.live.eventsPerSec)} events/s, lag ${compact(c.live.lagBytes, 'B')}, ` +
          `${c.live.errors} errors, ${compact(c.live.lostBytes, 'B')} lost`,
      ),
    ),
    c.valid
      ? null
      : h(
          'div',
          { class: 'error-box' },
          h('h2', null, 'This entry does not validate'),
          h('p', { id: 'entry-error' }, c.error ?? ''),
        ),
    c.readOnly
      ? h(
          'div',
          { class: 'readonly' },
          h('p', null, why),
          c.kubectl
            ? h('p', null, 'Edit it with: ', h('code', { class: 'kubectl', id: 'kubectl' }, c.kubectl))
            : null,
        )
      : null,
    actions,
    h('h2', null, 'Rollout'),
    h(
      'p',
      { class: 'counts' },
      (['current', 'stale', 'failing', 'offline'] as const).map((s) =>
        h('span', { class: 'count' }, badge(s), ` ${counts[s] ?? 0}`),
      ),
    ),
    h(
      'p',
      { class: 'muted' },
      `An agent is offline when its status record is older than ${rollout?.staleAfterSec ?? '?'} s or its lease ` +
        'ended; stale when it runs an older revision than the stored one; failing when it reports errors or rejected the entry.',
    ),
    table(
      'Agents that run this collection',
      ['node', 'state', 'revision', 'updated', 'errors'],
      (rollout?.rows ?? []).map((a) => [
        a.node,
        badge(a.state),
        String(a.modRevision),
        ago(a.updatedAt),
        a.errors.length ? h('span', { class: 'bad' }, a.errors.join('; ')) : '',
      ]),
      'No agent reports this collection.',
    ),
    h('h2', null, 'Stored value'),
    h('pre', { class: 'json', id: 'stored' }, c.entry ? pretty(c.entry) : (c.raw ?? '')),
    h('h2', null, 'History'),
    historyView(c, history, ctx, why, reload),
  );
}

function deleteButton(
  c: CollectionDetail,
  ctx: Ctx,
  why: string | undefined,
  quiet: { on: boolean },
): HTMLElement {
  const wrap = h('span', { class: 'confirm' });
  const ask = (): void => {
    replace(
      wrap,
      h('span', null, `Delete ${c.name}? It goes to the recycle bin. `),
      button('Yes, delete', () => void doDelete(), { class: 'danger' }),
      button('Cancel', () => replace(wrap, first)),
    );
    (wrap.querySelector('button') as HTMLButtonElement).focus();
  };
  const doDelete = async () => {
    quiet.on = true;
    try {
      const res = await api<{ trash: string }>(
        'DELETE',
        collectionPath(c.name, `?revision=${c.modRevision}`),
      );
      ctx.say(`Deleted ${c.name}; it is in the recycle bin as ${res.trash}.`, 'ok', true);
      location.hash = route('collections');
    } catch (err) {
      quiet.on = false;
      ctx.fail(err, `delete ${c.name}`);
      replace(wrap, first);
    }
  };
  const first = h(
    'button',
    { type: 'button', class: 'danger', disabled: Boolean(why), onclick: ask },
    'Delete',
  );
  wrap.append(first);
  return wrap;
}

function historyView(
  c: CollectionDetail,
  history: { versions: Version[]; compactedBefore?: number } | undefined,
  ctx: Ctx,
  why: string | undefined,
  reload: () => void,
): HTMLElement {
  if (!history) return h('p', null, 'The history could not be read.');
  const rollback = async (v: Version) => {
    try {
      const res = await api<{ modRevision: number }>('POST', collectionPath(c.name, '/rollback'), {
        toRevision: v.modRevision,
        revision: c.modRevision,
      });
      ctx.say(`Rolled ${c.name} back to revision ${v.modRevision}: now revision ${res.modRevision}.`, 'ok');
      reload();
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        ctx.say(
          `${c.name} changed meanwhile (conflict): reloaded; roll back again if still wanted.`,
          'error',
        );
        reload();
      } else ctx.fail(err, `roll ${c.name} back`);
    }
  };
  return h(
    'div',
    { class: 'history' },
    table(
      `Versions, newest first${history.compactedBefore ? ` (etcd compacted before revision ${history.compactedBefore})` : ''}`,
      ['revision', 'version', 'value', ''],
      history.versions.map((v, i) => [
        String(v.modRevision),
        String(v.version),
        h(
          'details',
          null,
          h('summary', null, v.issues?.length ? 'value (does not validate)' : 'value'),
          h('pre', { class: 'json' }, v.entry ? pretty(v.entry) : v.value),
        ),
        i === 0 || c.readOnly
          ? i === 0
            ? 'current'
            : ''
          : h(
              'button',
              { type: 'button', disabled: Boolean(why), onclick: () => void rollback(v) },
              `Roll back to ${v.modRevision}`,
            ),
      ]),
      'No versions (the key was compacted or never written).',
    ),
  );
}

const issueList = (issues: Issue[]): HTMLElement =>
  h(
    'ul',
    { class: 'issues' },
    issues.map((i) => h('li', null, h('code', null, i.path || '(root)'), ' ', i.message)),
  );

let schemaCache: JsonSchema | undefined;

/** New (`#/collections/new`) or edit (`#/collections/<name>/edit`) an ad-hoc entry. */
export function editPage(main: HTMLElement, params: string[], ctx: Ctx): void {
  const creating = params[0] === 'new';
  const name = creating ? undefined : params[0]!;
  replace(
    main,
    h(
      'p',
      { class: 'crumbs' },
      h('a', { href: route('collections') }, 'Collections'),
      ' / ',
      name ? h('a', { href: route('collections', name) }, name) : 'new',
    ),
    h('h1', null, creating ? 'New ad-hoc entry' : `Edit ${name}`),
    h('p', null, 'Loading…'),
  );
  void (async () => {
    try {
      schemaCache ??= await get<JsonSchema>('/api/schema');
      const stored = name ? await get<CollectionDetail>(collectionPath(name)) : undefined;
      if (stored?.readOnly) {
        replace(
          main,
          h('h1', null, name),
          h('p', null, `${name} is not an ad-hoc entry: it is read-only here.`),
          stored.kubectl ? h('p', null, 'Edit it with: ', h('code', null, stored.kubectl)) : null,
        );
        return;
      }
      editor(main, schemaCache, stored, ctx);
    } catch (err) {
      ctx.fail(err, 'open the editor');
    }
  })();
}

function editor(main: HTMLElement, schema: JsonSchema, stored: CollectionDetail | undefined, ctx: Ctx): void {
  const form = schemaForm(schema);
  let base: { value: unknown; revision: number } = {
    value: stored?.entry,
    revision: stored?.modRevision ?? 0,
  };
  const blank = { source: { files: { paths: [] } }, topic: '' };
  form.set(stored?.entry ?? blank);

  const nameInput = h('input', {
    name: 'name',
    required: true,
    pattern: '[A-Za-z0-9][A-Za-z0-9._\\-]{0,252}',
    spellcheck: 'false',
    autocomplete: 'off',
    value: stored ? stored.name.replace(/^adhoc\//, '') : '',
    readonly: Boolean(stored),
  });
  const nameError = h('p', { class: 'field-error', id: 'name-error', hidden: true });
  nameInput.setAttribute('aria-describedby', 'name-error');
  const fullName = (): string => `adhoc/${nameInput.value.trim()}`;

  const jsonArea = h('textarea', {
    id: 'entry-json',
    name: 'json',
    rows: 22,
    spellcheck: 'false',
    class: 'json',
  });
  const jsonError = h('p', { class: 'field-error', id: 'json-error', hidden: true });
  jsonArea.setAttribute('aria-describedby', 'json-error');
  const jsonPane = h(
    'div',
    { class: 'json-view', hidden: true },
    h('label', { for: 'entry-json' }, 'The entry as JSON'),
    jsonArea,
    jsonError,
  );
  let view: 'form' | 'json' = 'form';

  /** The value being edited, from whichever view is shown; undefined if the JSON does not parse. */
  const current = (): unknown => {
    if (view === 'form') return form.get();
    try {
      jsonError.hidden = true;
      return JSON.parse(jsonArea.value) as unknown;
    } catch (err) {
      jsonError.hidden = false;
      jsonError.textContent = `not valid JSON: ${(err as Error).message}`;
      jsonArea.focus();
      return undefined;
    }
  };
  const formTab = h('button', { type: 'button', 'aria-pressed': 'true', id: 'tab-form' }, 'Form');
  const jsonTab = h('button', { type: 'button', 'aria-pressed': 'false', id: 'tab-json' }, 'JSON');
  const show = (next: 'form' | 'json'): void => {
    if (next === view) return;
    if (next === 'json') jsonArea.value = pretty(form.get());
    else {
      const v = current();
      if (v === undefined) return;
      form.set(v);
    }
    view = next;
    form.element.hidden = next !== 'form';
    jsonPane.hidden = next !== 'json';
    formTab.setAttribute('aria-pressed', String(next === 'form'));
    jsonTab.setAttribute('aria-pressed', String(next === 'json'));
  };
  formTab.addEventListener('click', () => show('form'));
  jsonTab.addEventListener('click', () => show('json'));

  const general = h('div', { class: 'general-issues', 'aria-live': 'polite' });
  const review = h('section', { class: 'review', 'aria-live': 'polite', 'aria-label': 'Review' });
  const matches = h('section', { class: 'matches', 'aria-live': 'polite', 'aria-label': 'Matching files' });
  const why = ctx.whyNot(stored?.key ?? ADHOC_PREFIX, 'editor');

  const showIssues = (issues: Issue[]): void => {
    const named = issues.filter((i) => i.path !== 'name');
    const nameIssues = issues.filter((i) => i.path === 'name');
    nameError.hidden = nameIssues.length === 0;
    nameError.textContent = nameIssues.map((i) => i.message).join('; ');
    if (view === 'json') {
      // The JSON view has one field: every issue is listed under it, with its path.
      replace(general, named.length ? issueList(named) : null);
      return;
    }
    const rest = form.showIssues(named);
    replace(general, rest.length ? [h('p', null, 'The server found problems:'), issueList(rest)] : null);
  };

  const checkName = (): boolean => {
    const ok = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/.test(nameInput.value.trim());
    nameError.hidden = ok;
    nameError.textContent = ok
      ? ''
      : 'a name is letters, digits, ".", "_" or "-", starting with a letter or digit';
    if (!ok) nameInput.focus();
    return ok;
  };

  const doReview = async () => {
    replace(review);
    if (!checkName()) return;
    const value = current();
    if (value === undefined) return;
    let res: { ok: boolean; issues: Issue[] };
    try {
      res = await api<{ ok: boolean; issues: Issue[] }>('POST', '/api/validate', { entry: value });
    } catch (err) {
      ctx.fail(err, 'validate the entry');
      return;
    }
    showIssues(res.issues ?? []);
    if (!res.ok) {
      ctx.say(`The entry has ${res.issues.length} problem(s): see the fields marked.`, 'error');
      return;
    }
    const diff = diffLines(pretty(base.value), pretty(value));
    const changed = diff.some((d) => d.op !== ' ');
    replace(
      review,
      h('h2', null, base.revision ? `Changes against revision ${base.revision}` : 'The new entry'),
      h(
        'pre',
        { class: 'diff', id: 'diff' },
        diff.map((d) =>
          h('span', { class: d.op === '+' ? 'add' : d.op === '-' ? 'del' : 'same' }, `${d.op} ${d.text}\n`),
        ),
      ),
      changed || !base.revision
        ? h(
            'button',
            {
              type: 'button',
              id: 'save',
              class: 'primary',
              disabled: Boolean(why),
              'aria-describedby': why ? 'save-why' : undefined,
              onclick: () => void save(value),
            },
            base.revision ? 'Save' : 'Create',
          )
        : h('p', null, 'Nothing changed.'),
      why ? h('p', { class: 'muted', id: 'save-why' }, why) : null,
    );
    review.querySelector<HTMLButtonElement>('#save:not([disabled])')?.focus();
  };

  const save = async (value: unknown) => {
    const name = fullName();
    try {
      const res = await api<{ name: string; modRevision: number }>('PUT', collectionPath(name), {
        entry: value,
        revision: base.revision,
      });
      ctx.say(`Saved ${res.name} at revision ${res.modRevision}.`, 'ok', true);
      location.hash = route('collections', res.name);
    } catch (err) {
      if (!(err instanceof ApiError)) return ctx.fail(err, `save ${name}`);
      if (err.status === 400 && err.issues.length) {
        showIssues(err.issues);
        replace(review);
        ctx.say(`The server refused the entry: ${err.message}`, 'error');
      } else if (err.status === 409) conflict(err.current);
      else ctx.fail(err, `save ${name}`);
    }
  };

  const conflict = (cur: unknown) => {
    const c = (cur ?? {}) as { value?: string | null; modRevision?: number };
    let value: unknown = c.value ?? undefined;
    try {
      value = typeof c.value === 'string' ? JSON.parse(c.value) : undefined;
    } catch {
      // Not JSON: shown as stored.
    }
    const rev = c.modRevision ?? 0;
    ctx.say(`Someone else changed ${fullName()} first (conflict): your edit was not saved.`, 'error');
    replace(
      review,
      h('h2', null, rev ? `The stored entry is now revision ${rev}` : 'The entry was deleted meanwhile'),
      h('pre', { class: 'json', id: 'conflict-current' }, pretty(value)),
      h(
        'p',
        null,
        'Review your edit against it and save again, or start over from it. ',
        button('Review against this value', () => {
          base = { value, revision: rev };
          void doReview();
        }),
        ' ',
        button('Start over from it', () => {
          base = { value, revision: rev };
          if (view === 'form') form.set(value);
          else jsonArea.value = pretty(value);
          replace(review);
        }),
      ),
    );
  };

  const doMatch = async () => {
    const value = current() as { source?: unknown } | undefined;
    if (!value) return;
    replace(matches, h('p', null, 'Asking the agents…'));
    try {
      const res = await api<{ nodes: { node: string; files: string[] }[] }>('POST', '/api/match', {
        source: value.source,
      });
      const total = res.nodes.reduce((n, x) => n + x.files.length, 0);
      replace(
        matches,
        h('h2', null, `This matches ${total} file(s) on ${res.nodes.length} node(s)`),
        h(
          'ul',
          { id: 'match-result' },
          res.nodes.map((n) =>
            h(
              'li',
              null,
              h('strong', null, n.node),
              h(
                'ul',
                null,
                n.files.map((f) => h('li', null, h('code', null, f))),
              ),
            ),
          ),
        ),
      );
    } catch (err) {
      replace(matches);
      if (err instanceof ApiError && err.issues.length) showIssues(err.issues);
      ctx.fail(err, 'match the paths');
    }
  };

  replace(
    main,
    h(
      'p',
      { class: 'crumbs' },
      h('a', { href: route('collections') }, 'Collections'),
      ' / ',
      stored ? h('a', { href: route('collections', stored.name) }, stored.name) : 'new',
    ),
    h('h1', null, stored ? `Edit ${stored.name}` : 'New ad-hoc entry'),
    why ? h('p', { class: 'notice', id: 'viewer-notice' }, why) : null,
    h(
      'form',
      {
        class: 'editor',
        novalidate: true,
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          void doReview();
        },
      },
      field(
        'Name (adhoc/…)',
        nameInput,
        stored ? `revision ${stored.modRevision}` : 'the entry is stored as adhoc/<name>',
      ),
      nameError,
      h('div', { class: 'tabs', role: 'group', 'aria-label': 'Edit as' }, formTab, jsonTab),
      form.element,
      jsonPane,
      general,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'submit', id: 'review' }, 'Review changes'),
        button('What does this match?', () => void doMatch(), { id: 'match' }),
      ),
    ),
    matches,
    review,
  );
}
