/** Named character references that API documentation pages use around placeholders. */
const ENTITIES: Readonly<Record<string, string>> = {
  lt: "<",
  gt: ">",
  quot: '"',
  amp: "&",
  apos: "'",
  nbsp: " ",
};

/**
 * `GET /api/v1/books/<isbn>/`, `POST: https://host/api/orders`: an upper-case method, an
 * optional "method" word or colon, then an absolute URL or path whose segments may be
 * placeholders (`<id>`, `{id}`, `:id`).
 */
const ENDPOINT =
  /\b(GET|POST|PUT|PATCH|DELETE)\b(?:\s+[Mm]ethod)?\s*:?\s+((?:https?:\/\/[\w.:[\]-]+)?\/(?:[\w\-.~%@!$&'()*+,;=]|:[A-Za-z_]\w*|<[^<>\s/]{1,40}>|\{[^{}\s/]{1,40}\}|\/)*)/g;

/** One operation a page documents in its text. */
export interface DocumentedOperation {
  readonly method: string;
  /** The URL with placeholders as `{name}` template parameters (unresolved). */
  readonly url: string;
  /** The example JSON body that follows it, placeholders filled, when there is one. */
  readonly json?: unknown;
  /** A sample value the page lists for its one path placeholder (`MQ==`, `978-0-06-250217-4`). */
  readonly values?: Readonly<Record<string, string>>;
}

/**
 * The first identifier-like word of a stretch of text: letters, digits and `+/=._-`, with a
 * digit or base64 padding in it (so that prose words are skipped), punctuation around it dropped.
 */
function sampleValue(text: string): string | undefined {
  for (const word of text.split(/\s+/)) {
    const token = word.replace(/^[("'[]+|[)"',;:\].]+$/g, "");
    if (/^[A-Za-z0-9][A-Za-z0-9+/=._-]{0,63}$/.test(token) && /\d|=$/.test(token)) return token;
  }
  return undefined;
}

/** The visible text of an HTML page: scripts and styles dropped, tags removed, entities decoded. */
export function pageText(html: string): string {
  return html
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, " ")
    .replace(/<!--[\s\S]*?-->/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&(#x[\da-f]+|#\d+|[a-z]+);/gi, (whole, ref: string) => {
      if (ref.startsWith("#x") || ref.startsWith("#X"))
        return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
      if (ref.startsWith("#")) return String.fromCodePoint(Number(ref.slice(1)));
      return ENTITIES[ref.toLowerCase()] ?? whole;
    });
}

/** `<article-id>`, `{id}`, `:id` as a `{name}` template parameter. */
function templated(path: string): string {
  return path.replace(/<\s*([^<>]+?)\s*>|\{([^{}]+)\}|(?<=\/):([A-Za-z_]\w*)/g, (_, a, b, c) => {
    const name = String(a ?? b ?? c)
      .replace(/\(.*\)$/, "")
      .replace(/\W+/g, "_");
    return `{${name || "id"}}`;
  });
}

/**
 * The JSON object that starts within the text after an endpoint, with placeholders
 * (`<month(string)>`) filled with "1", or undefined when none parses.
 */
function exampleBody(text: string): unknown {
  const start = text.indexOf("{");
  if (start < 0 || start > 200) return undefined;
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) {
      const filled = text
        .slice(start, i + 1)
        .replace(/"?<[^<>]{1,60}>"?/g, '"1"')
        .replace(/,\s*([}\]])/g, "$1");
      try {
        const value = JSON.parse(filled) as unknown;
        return value !== null && typeof value === "object" ? value : undefined;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * The operations an HTML documentation page names in its text ("GET method
 * http://host/api/v1/books/&lt;ISBN&gt;/" followed by an example body), for APIs described by
 * pages instead of a machine-readable document. URLs are resolved against the page.
 *
 * @example
 * ```ts
 * documentedIn("<pre>POST /api/v1/activities/</pre><pre>{ \"month\": &lt;month&gt; }</pre>", "http://h/")
 * // [{ method: "POST", url: "http://h/api/v1/activities/", json: { month: "1" } }]
 * ```
 */
export function documentedIn(html: string, page: string): DocumentedOperation[] {
  const text = pageText(html);
  const matches = [...text.matchAll(ENDPOINT)];
  const found: DocumentedOperation[] = [];
  let claimed = false;
  for (const [i, m] of matches.entries()) {
    const [whole, method, raw] = m;
    if (!method || !raw || raw === "/") continue;
    let url: URL;
    try {
      url = new URL(
        templated(raw).replace(/[{}]/g, (c) => (c === "{" ? "%7B" : "%7D")),
        page,
      );
    } catch {
      continue;
    }
    const start = m.index ?? 0;
    const end = start + whole.length;
    const next = matches[i + 1]?.index ?? text.length;
    const previous = i > 0 ? (matches[i - 1]?.index ?? 0) + (matches[i - 1]?.[0].length ?? 0) : 0;
    const json =
      method === "GET" || method === "DELETE" ? undefined : exampleBody(text.slice(end, next));
    const template = url.href.replace(/%7B/gi, "{").replace(/%7D/gi, "}");
    const names = [...new URL(url.href).pathname.matchAll(/%7B(\w+)%7D/gi)].map((n) => n[1] ?? "");
    // The page's own sample values: after the endpoint ("Following are the ISBNs: ..."), else
    // before it ("the exam ids of batman: MQ== Mg== ... GET /exams/<exam_id>/") unless the
    // endpoint before took them as its own.
    const after = sampleValue(text.slice(end, next));
    const sample = after ?? (claimed ? undefined : sampleValue(text.slice(previous, start)));
    claimed = after !== undefined;
    const values =
      sample !== undefined && names.length === 1 ? { [names[0] as string]: sample } : undefined;
    found.push({
      method,
      url: template,
      ...(json !== undefined ? { json } : {}),
      ...(values ? { values } : {}),
    });
  }
  return found;
}
