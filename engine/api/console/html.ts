/**
 * The console's one way to write HTML: the `html` tagged template. Every interpolated value is
 * escaped (text, numbers, null and undefined as empty text, arrays item by item) unless it is
 * itself the result of `html`, so markup only ever comes from template literals in our code and
 * an attacker-controlled value (an event body, an error message, a header) always renders as text.
 * The escaping is safe in element content and in quoted attribute values; the console never puts
 * a value into a script, a style, an unquoted attribute or a URL scheme.
 */

/** Markup written by the console; only `html` and `raw` make one. */
export class Html {
  readonly #text: string;
  constructor(text: string) {
    this.#text = text;
  }
  toString(): string {
    return this.#text;
  }
}

/** What a template may interpolate. */
export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** `text` safe inside an element or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (char) => ESCAPES[char]!);
}

function render(value: HtmlValue): string {
  if (value instanceof Html) return value.toString();
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): Html {
  let text = strings[0]!;
  values.forEach((value, i) => {
    text += render(value) + strings[i + 1]!;
  });
  return new Html(text);
}

/** Markup from a constant of ours (the page's static parts); never pass it request data. */
export function raw(trustedMarkup: string): Html {
  return new Html(trustedMarkup);
}

/** A query string from parameters, empty values left out, each name and value URL-encoded. */
export function queryString(params: Readonly<Record<string, string | undefined>>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(name, value);
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}
