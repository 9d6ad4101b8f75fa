import { normaliseName } from "../../../vocabulary/names.js";
import type { Vocabulary } from "../../../vocabulary/vocabulary.js";
import { jsonObject } from "../../identities.js";
import type { Exchange, ScanOperation, ScanRequest } from "../../types.js";
import { unwrapped } from "../access-control/objects.js";

/** A privileged member and the value an attacker would give it. */
export interface Privileged {
  readonly field: string;
  readonly value: unknown;
}

/** `is_admin` spelled `isAdmin` when the body's own members are camelCase. */
function spelled(name: string, camel: boolean): string {
  return camel ? name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) : name;
}

/**
 * The privileged members to add to a body: every privileged name of the vocabulary that has an
 * attacker's value, spelled in the body's style, plus the body's own privileged members (its
 * documented `role`) set to that value.
 *
 * @example
 * ```ts
 * privilegedFor({ userName: "a", password: "b" }, DEFAULT_VOCABULARY)[0]; // { field: "role", value: "admin" }
 * ```
 */
export function privilegedFor(
  body: Readonly<Record<string, unknown>>,
  vocabulary: Vocabulary,
): Privileged[] {
  const camel = Object.keys(body).some((k) => /[a-z][A-Z]/.test(k));
  const out = new Map<string, Privileged>();
  for (const key of Object.keys(body)) {
    const value = vocabulary.isPrivilegedName(key) ? vocabulary.privilegedValue(key) : undefined;
    if (value !== undefined) out.set(normaliseName(key), { field: key, value });
  }
  for (const name of vocabulary.words.privilegedFields) {
    const value = vocabulary.privilegedValue(name);
    const key = normaliseName(name);
    if (value !== undefined && !out.has(key)) out.set(key, { field: spelled(key, camel), value });
  }
  return [...out.values()];
}

/** Equal as JSON, or as the API stores it (`"1000000"` for 1000000, `1` for true). */
export function looselySame(stored: unknown, sent: unknown): boolean {
  if (JSON.stringify(stored) === JSON.stringify(sent)) return true;
  if (sent === true) return stored === 1 || stored === "1" || stored === "true";
  if (typeof sent === "number" || typeof sent === "string")
    return (
      (typeof stored === "number" || typeof stored === "string") && String(stored) === String(sent)
    );
  return false;
}

/**
 * The sent privileged members that a 2xx answer's record carries with the sent value. The answer
 * must be a record the server made (it has an id or a token), not an echo of the request.
 */
export function bindings(exchange: Exchange, fields: readonly Privileged[]): string[] {
  if (exchange.status < 200 || exchange.status >= 300) return [];
  const body = jsonObject(exchange.body);
  if (!body) return [];
  const records = recordsIn(body, 0).filter((r) =>
    Object.keys(r).some((k) => /^(?:_?id|uuid|token|access_?token)$/i.test(k)),
  );
  return fields
    .filter(({ field, value }) =>
      records.some((record) =>
        Object.entries(record).some(
          ([k, v]) => normaliseName(k) === normaliseName(field) && looselySame(v, value),
        ),
      ),
    )
    .map(({ field }) => field);
}

function recordsIn(
  value: Readonly<Record<string, unknown>>,
  depth: number,
): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [value as Record<string, unknown>];
  if (depth >= 3) return out;
  for (const member of Object.values(value))
    if (member !== null && typeof member === "object" && !Array.isArray(member))
      out.push(...recordsIn(member as Record<string, unknown>, depth + 1));
  return out;
}

/**
 * Sends an update of one object with `body`, as JSON in the operation's own JSON type; a body
 * wrapped in one member in the example (`{"user": {...}}`) keeps its wrapper.
 *
 * @example
 * ```ts
 * await sendUpdate((r) => context.http.trySend(r), op, url, { role: "admin" });
 * ```
 */
export function sendUpdate(
  send: (request: ScanRequest) => Promise<Exchange | undefined>,
  op: ScanOperation,
  url: string,
  body: Record<string, unknown>,
): Promise<Exchange | undefined> {
  const type =
    op.bodyTypes.find((t) => t === "application/json") ??
    op.bodyTypes.find((t) => /json/i.test(t)) ??
    "application/json";
  // A body wrapped in one member (`{"user": {...}}`) keeps its wrapper.
  const wrapper = unwrapped(jsonObject(op.exampleBody ?? "") ?? {}).key;
  return send({
    method: op.method,
    url,
    headers: { accept: "application/json", "content-type": type },
    body: JSON.stringify(wrapper ? { [wrapper]: body } : body),
  });
}
