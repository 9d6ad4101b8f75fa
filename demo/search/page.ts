import type { Product } from "./catalog.js";

/**
 * Escapes text for HTML element content and quoted attribute values (OWASP XSS prevention,
 * rule 1 and 2).
 *
 * @example
 * ```ts
 * escapeHtml('<b title="x">'); // "&#60;b title=&#34;x&#34;&#62;"
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The HTML search results page. The query appears twice, in the search box and in the heading:
 * escaped, or with `reflected-xss` (`raw`) as it came.
 *
 * @example
 * ```ts
 * searchPage("<b>", [], false); // "...Results for <q>&#60;b&#62;</q>..."
 * ```
 */
export function searchPage(query: string, results: readonly Product[], raw: boolean): string {
  const q = raw ? query : escapeHtml(query);
  const items = results
    .map((p) => `<li>${escapeHtml(p.name)}: ${p.price.toFixed(2)} EUR</li>`)
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Search - Rampart demo shop</title></head>
<body>
<h1>Search the shop</h1>
<form action="/search" method="get"><input name="q" value="${q}"> <button>Search</button></form>
<p>${results.length} result(s) for <q>${q}</q></p>
<ul>
${items}
</ul>
</body>
</html>
`;
}
