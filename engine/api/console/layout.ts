/**
 * The console's page shell (head, navigation, who is logged in) and the headers every console
 * answer carries: a strict Content-Security-Policy (only this engine's own script, styles and
 * images; no inline script or style; forms post only here; never framed), no MIME sniffing, no
 * Referer (URLs may carry filters over event bodies).
 */
import { html, type Html, type HtmlValue } from './html.js';
import { CSRF_FIELD } from './csrf.js';

export const CONSOLE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

/** Who is looking, as every page needs it. */
export interface Viewer {
  readonly who: string;
  readonly mayAct: boolean;
  readonly csrfToken: string;
  /** Whether they logged in (the API has a token), so a logout button is shown. */
  readonly loggedIn: boolean;
}

const NAV = [
  { href: '/console/', label: 'Overview' },
  { href: '/console/deliveries', label: 'Deliveries' },
  { href: '/console/dead', label: 'Dead letters' },
  { href: '/console/replays', label: 'Replays' },
] as const;

export function page(title: string, current: string, viewer: Viewer | undefined, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · hms-sync</title>
<link rel="stylesheet" href="/console/assets/console.css">
<script src="/console/assets/console.js" defer></script>
</head>
<body>
<header>
<strong>hms-sync</strong>
${viewer && NAV.map((item) => html`<a href="${item.href}"${item.href === current ? html` aria-current="page"` : ''}>${item.label}</a>`)}
${viewer && html`<span class="who">${viewer.who}${viewer.mayAct ? '' : ' (read only)'}${viewer.loggedIn && html`<form class="inline" method="post" action="/console/logout">${csrfField(viewer)}<button class="secondary" type="submit">Log out</button></form>`}</span>`}
</header>
<main>
<h1>${title}</h1>
${body}
</main>
</body>
</html>
`;
}

/** The hidden field every state-changing form carries. */
export function csrfField(viewer: Viewer): Html {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${viewer.csrfToken}">`;
}

/** A form with one button that posts to `action`; only for a viewer who may act. */
export function actionButton(viewer: Viewer, action: string, label: string, hidden: Readonly<Record<string, string | undefined>> = {}, style = ''): Html {
  if (!viewer.mayAct) return html``;
  const fields = Object.entries(hidden).filter(([, value]) => value !== undefined && value !== '');
  return html`<form class="inline" method="post" action="${action}">${csrfField(viewer)}${fields.map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}<button type="submit"${style && html` class="${style}"`}>${label}</button></form>`;
}

/** A state as a small badge. */
export function stateBadge(state: string): Html {
  return html`<span class="state state-${state}">${state}</span>`;
}

/** A time (ms or ISO text) that the script shows in the reader's zone; ISO without it. */
export function timeOf(at: number | string | null | undefined): Html {
  if (at === null || at === undefined) return html`<span class="muted">–</span>`;
  const iso = typeof at === 'number' ? new Date(at).toISOString() : at;
  return html`<time datetime="${iso}">${iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time>`;
}

/** A table that scrolls sideways on a narrow screen. */
export function table(headings: readonly string[], rows: readonly HtmlValue[], empty: string): Html {
  if (rows.length === 0) return html`<p class="muted">${empty}</p>`;
  return html`<div class="scroll"><table><thead><tr>${headings.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

export function notice(text: HtmlValue, kind: 'info' | 'error' = 'info'): Html {
  return html`<div class="notice${kind === 'error' ? ' error' : ''}" role="${kind === 'error' ? 'alert' : 'status'}">${text}</div>`;
}
