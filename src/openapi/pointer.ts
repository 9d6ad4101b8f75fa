/**
 * JSON pointers (RFC 6901) as used in OpenAPI documents and in finding locations.
 *
 * @example
 * ```ts
 * pointerOf(["paths", "/users/{id}", "get"]); // "/paths/~1users~1{id}/get"
 * segmentsOf("/paths/~1users~1{id}/get");     // ["paths", "/users/{id}", "get"]
 * ```
 */
export function pointerOf(segments: readonly (string | number)[]): string {
  let out = "";
  for (const s of segments) out += `/${String(s).replace(/~/g, "~0").replace(/\//g, "~1")}`;
  return out;
}

/** The unescaped segments of a JSON pointer; `""` is the root. Throws TypeError if malformed. */
export function segmentsOf(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new TypeError(`not a JSON pointer: ${pointer}`);
  const segments = pointer.slice(1).split("/");
  // Most pointers have no escapes: skip the replacements (this runs for every lookup).
  if (pointer.includes("~"))
    for (let i = 0; i < segments.length; i++)
      segments[i] = (segments[i] as string).replace(/~1/g, "/").replace(/~0/g, "~");
  return segments;
}

/**
 * The value at `segments` in a plain JSON value (no `$ref` following): array steps are
 * indices, object steps own members only; undefined when a step is missing.
 *
 * @example
 * ```ts
 * valueAt({ user: { names: ["a"] } }, segmentsOf("/user/names/0")); // "a"
 * ```
 */
export function valueAt(document: unknown, segments: readonly string[]): unknown {
  let node = document;
  for (const step of segments) {
    if (Array.isArray(node)) {
      if (!/^(0|[1-9]\d*)$/.test(step)) return undefined;
      node = node[Number(step)];
    } else if (node !== null && typeof node === "object") {
      if (!Object.hasOwn(node, step)) return undefined;
      node = (node as Record<string, unknown>)[step];
    } else return undefined;
  }
  return node;
}

/** Appends segments to a pointer. */
export function childPointer(pointer: string, ...segments: readonly (string | number)[]): string {
  return pointer + pointerOf(segments);
}
