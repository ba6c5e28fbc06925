// The console's page: who is signed in (or the login form), the navigation, hash routing to
// the pages, and one status line (aria-live) where every page reports what it did or what
// went wrong.

import { ApiError, api, get, setCsrf, whenUnauthorized, type Me } from './api.ts';
import { button, field, h, replace } from './dom.ts';
import { atLeast, parseRoute, roleFor, type Role } from './logic.ts';
import { auditPage, trashPage } from './page-audit.ts';
import { collectionsPage, collectionPage, editPage } from './page-collections.ts';
import { dlqPage } from './page-dlq.ts';
import { keysPage } from './page-keys.ts';
import { nodesPage } from './page-nodes.ts';
import { searchPage } from './page-search.ts';

export interface Ctx {
  me: Me;
  /** Whether the signed-in user may do what needs `role` on `key` (the server decides again). */
  can(key: string, role: Role): boolean;
  /** Why a write is not possible for `key`, or undefined when it is. */
  whyNot(key: string, role: Role): string | undefined;
  /** `carry`: the message is about to be followed by a move to another page, and stays. */
  say(message: string, kind?: 'ok' | 'error' | 'info', carry?: boolean): void;
  /** Shows an error from the API in the status line (403s and 503s included). */
  fail(err: unknown, doing: string): void;
}

/** A page draws into `main` and returns what to do when it is left (close its streams). */
export type Page = (main: HTMLElement, params: string[], ctx: Ctx) => void | (() => void);

const PAGES: { path: string; label: string; page: Page }[] = [
  { path: 'collections', label: 'Collections', page: collectionsPage },
  { path: 'nodes', label: 'Nodes', page: nodesPage },
  { path: 'search', label: 'Search', page: searchPage },
  { path: 'dlq', label: 'Dead letters', page: dlqPage },
  { path: 'keys', label: 'Keys', page: keysPage },
  { path: 'audit', label: 'Audit', page: auditPage },
  { path: 'trash', label: 'Trash', page: trashPage },
];

const status = document.getElementById('status') as HTMLElement;
const main = document.getElementById('main') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;
const who = document.getElementById('who') as HTMLElement;
let leave: (() => void) | undefined;
let me: Me | undefined;

let carry = false;

function say(message: string, kind: 'ok' | 'error' | 'info' = 'info', keep = false): void {
  carry = keep;
  status.className = `status ${kind}`;
  status.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  status.textContent = message;
}

function fail(err: unknown, doing: string): void {
  if (err instanceof ApiError) {
    const why =
      err.status === 403
        ? `not allowed (403): ${err.message}`
        : err.status === 0
          ? err.message
          : `${err.status}: ${err.message}`;
    say(`Could not ${doing}: ${why}`, 'error');
  } else say(`Could not ${doing}: ${(err as Error).message}`, 'error');
}

function ctx(m: Me): Ctx {
  const whyNot = (key: string, role: Role): string | undefined => {
    if (m.readOnly) return 'The console is read-only (no users are configured): nothing can be changed here.';
    const r = roleFor(key, m.roles);
    if (atLeast(r, role)) return undefined;
    return `You are ${r ? `a ${r}` : 'not granted a role'} for ${key}: changing it needs the ${role} role.`;
  };
  return { me: m, can: (key, role) => whyNot(key, role) === undefined, whyNot, say, fail };
}

/** Draws the page of the hash route; `focus`: after a move, focus goes to the new content. */
function render(focus = true): void {
  if (!me) return;
  leave?.();
  leave = undefined;
  const [path = 'collections', ...params] = parseRoute(location.hash);
  let page: Page | undefined = PAGES.find((p) => p.path === path)?.page;
  if (path === 'collections' && params[0] === 'new') page = editPage;
  else if (path === 'collections' && params.length === 2 && params[1] === 'edit') page = editPage;
  else if (path === 'collections' && params.length) page = collectionPage;
  for (const a of nav.querySelectorAll('a')) {
    if (a.dataset.path === path) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  main.replaceChildren();
  // A page's messages belong to it; one said just before moving here stays.
  if (!carry) status.textContent = '';
  carry = false;
  if (!page) {
    replace(main, h('h1', null, 'Not found'), h('p', null, `There is no page "${path}".`));
    return;
  }
  const done = page(main, params, ctx(me));
  if (typeof done === 'function') leave = done;
  if (focus) main.focus({ preventScroll: true });
}

function showNav(m: Me): void {
  replace(
    nav,
    h(
      'ul',
      null,
      PAGES.map((p) => h('li', null, h('a', { href: `#/${p.path}`, 'data-path': p.path }, p.label))),
    ),
  );
  replace(
    who,
    m.user
      ? [
          h('span', null, 'Signed in as ', h('strong', { id: 'user' }, m.user)),
          button('Sign out', () => void logout()),
        ]
      : h('span', { id: 'user' }, m.readOnly ? 'Read-only console (no users configured)' : 'Anonymous'),
  );
}

async function logout(): Promise<void> {
  try {
    await api('POST', '/api/logout');
  } catch (err) {
    fail(err, 'sign out');
    return;
  }
  me = undefined;
  setCsrf('');
  showLogin('Signed out.');
}

function showLogin(message?: string): void {
  leave?.();
  leave = undefined;
  me = undefined;
  nav.replaceChildren();
  who.replaceChildren();
  const user = h('input', { name: 'user', autocomplete: 'username', required: true });
  const password = h('input', {
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const error = h('p', { class: 'error', id: 'login-error', 'aria-live': 'assertive' });
  const form = h(
    'form',
    {
      class: 'login',
      'aria-labelledby': 'login-title',
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        void (async () => {
          try {
            const m = await api<Me>('POST', '/api/login', { user: user.value, password: password.value });
            setCsrf(m.csrf ?? '');
            await start();
          } catch (err) {
            error.textContent = err instanceof ApiError ? err.message : (err as Error).message;
            password.select();
          }
        })();
      },
    },
    h('h1', { id: 'login-title' }, 'Sign in to the LCS console'),
    field('User', user),
    field('Password', password),
    error,
    h('button', { type: 'submit' }, 'Sign in'),
  );
  replace(main, form);
  if (message) say(message);
  user.focus();
}

async function start(): Promise<void> {
  let m: Me;
  try {
    m = await get<Me>('/api/me');
    if (m.needLogin) return showLogin();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return showLogin();
    replace(
      main,
      h('h1', null, 'The console is not available'),
      h('p', { class: 'error' }, (err as Error).message),
      button('Try again', () => void start()),
    );
    return;
  }
  me = m;
  setCsrf(m.csrf ?? '');
  showNav(m);
  // At load the focus stays at the top of the page, where the skip link is.
  render(false);
}

whenUnauthorized(() => showLogin('Your session ended: sign in again.'));
window.addEventListener('hashchange', () => render());
void start();
