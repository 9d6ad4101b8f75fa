/**
 * Reading the request's inputs the way the OpenAPI document describes them, from what the guard
 * already made canonical (the routed path, the raw query, the decoded body).
 */

/** Values by name; a name given more than once has all its values, in order. */
export type Inputs = Record<string, string | string[]>;

function add(into: Inputs, name: string, value: string): void {
  const had = into[name];
  if (had === undefined) into[name] = value;
  else if (Array.isArray(had)) had.push(value);
  else into[name] = [had, value];
}

/**
 * The query (with its `?`, or "") as names and values, percent-decoded as
 * application/x-www-form-urlencoded (RFC 3986 3.4 leaves it to the application; OpenAPI's
 * `form` style is this). A name that `explode: false` arrays list in one value is split on
 * commas when `commaArrays` names it.
 *
 * @example
 * ```ts
 * queryInputs("?tag=a&tag=b&limit=5", new Set()); // { tag: ["a", "b"], limit: "5" }
 * ```
 */
export function queryInputs(query: string, commaArrays: ReadonlySet<string>): Inputs {
  const out: Inputs = Object.create(null);
  if (query.length <= 1) return out;
  for (const [name, value] of new URLSearchParams(query.slice(1)))
    if (commaArrays.has(name)) for (const part of value.split(",")) add(out, name, part);
    else add(out, name, value);
  return out;
}

/** A form body (application/x-www-form-urlencoded) as names and values. */
export function formInputs(body: Buffer): Inputs {
  const out: Inputs = Object.create(null);
  for (const [name, value] of new URLSearchParams(body.toString("utf8"))) add(out, name, value);
  return out;
}

/**
 * The cookies of a `Cookie` header (RFC 6265 5.4), by name; the first of a repeated name wins,
 * as most servers read it.
 */
export function cookieInputs(header: string | undefined): Inputs {
  const out: Inputs = Object.create(null);
  if (!header) return out;
  for (const pair of header.split(";")) {
    const eq = pair.indexOf("=");
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    if (name === "" || name in out) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2)
      value = value.slice(1, -1);
    out[name] = value;
  }
  return out;
}

/**
 * The field names of a multipart/form-data body (RFC 7578 4.2: each part's Content-Disposition
 * `name`), with an empty string as each value: what the guard checks of a multipart body is
 * which fields it has, not their contents. Undefined when the body does not parse.
 */
export function multipartInputs(body: Buffer, contentType: string): Inputs | undefined {
  const boundary = /;\s*boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) return undefined;
  const out: Inputs = Object.create(null);
  const text = body.toString("latin1");
  const delimiter = `--${boundary}`;
  let at = text.indexOf(delimiter);
  if (at < 0) return undefined;
  while (at >= 0) {
    const headStart = at + delimiter.length;
    if (text.startsWith("--", headStart)) return out; // the close delimiter
    const headEnd = text.indexOf("\r\n\r\n", headStart);
    if (headEnd < 0) return undefined;
    const head = text.slice(headStart, headEnd);
    const name = /content-disposition:[^\r\n]*;\s*name="([^"]*)"/i.exec(head)?.[1];
    if (name === undefined) return undefined;
    add(out, Buffer.from(name, "latin1").toString("utf8"), "");
    at = text.indexOf(`\r\n${delimiter}`, headEnd);
    if (at >= 0) at += 2;
  }
  return undefined; // no close delimiter: a truncated body
}

/**
 * A reader of the path parameters of a route pattern (find-my-way syntax, `:name` segments) on
 * a canonical path; `names` maps each `:param` of the pattern, in order, to the name the
 * document gives it. Values are percent-decoded once; undefined when one does not decode.
 *
 * @example
 * ```ts
 * pathReader("/users/:id", ["userId"])("/users/a%20b"); // { userId: "a b" }
 * ```
 */
export function pathReader(
  pattern: string,
  names: readonly string[],
): (path: string) => Inputs | undefined {
  const segments = pattern.split("/");
  const positions: [number, string][] = [];
  let n = 0;
  segments.forEach((segment, i) => {
    if (segment.startsWith(":")) {
      const name = names[n++];
      if (name !== undefined) positions.push([i, name]);
    }
  });
  return (path) => {
    const parts = path.split("/");
    const out: Inputs = Object.create(null);
    for (const [i, name] of positions) {
      try {
        out[name] = decodeURIComponent(parts[i] ?? "");
      } catch {
        return undefined;
      }
    }
    return out;
  };
}
