import { PASSWORD_FIELD } from "./auth/login.js";
import { isObject, parseJson } from "./discovery.js";
import type { Exchange, ScanHttp, ScanOperation } from "./types.js";

type Scalar = string | number | boolean;

/** The caller's own record as it was before the checks ran, and the update that wrote it. */
export interface OwnRecordSnapshot {
  readonly update: ScanOperation;
  readonly wrapper?: string;
  readonly fields: Readonly<Record<string, Scalar>>;
  /** The login's own members the update's example carries (some APIs want the password on every update). */
  readonly login: Readonly<Record<string, string>>;
}

/** `{"user": {...}}` → the inner object and its wrapper's name; a bare object as it is. */
function inner(value: unknown): { record?: Record<string, unknown>; wrapper?: string } {
  if (!isObject(value)) return {};
  const keys = Object.keys(value);
  const [only] = keys;
  if (keys.length === 1 && only !== undefined && isObject(value[only]))
    return { record: value[only] as Record<string, unknown>, wrapper: only };
  return { record: value };
}

/**
 * Reads the caller's own record through every update of it the document describes (`PUT
 * /user`, `PATCH /users/me`: no path parameter, a GET at the same path), keeping the members the
 * update's example writes. Intrusive checks send their probes through those updates (an
 * injection probe in the user name); the snapshot lets the scan put the record back.
 *
 * @example
 * ```ts
 * const snapshots = await snapshotOwnRecords(http, target.operations);
 * ```
 */
export async function snapshotOwnRecords(
  http: ScanHttp,
  operations: readonly ScanOperation[],
  loginFields: ReadonlyMap<string, string> = new Map(),
): Promise<OwnRecordSnapshot[]> {
  const updates = operations.filter(
    (o) =>
      (o.method === "PUT" || o.method === "PATCH") &&
      !o.path.includes("{") &&
      o.exampleBody !== undefined &&
      operations.some((g) => g.method === "GET" && g.path === o.path),
  );
  const snapshots: OwnRecordSnapshot[] = [];
  for (const update of updates) {
    const example = inner(parseJson(update.exampleBody ?? ""));
    const read = await http.trySend({ url: update.url, headers: { accept: "application/json" } });
    if (!example.record || read?.status !== 200) continue;
    const { record } = inner(parseJson(read.body));
    if (!record) continue;
    const fields: Record<string, Scalar> = {};
    for (const key of Object.keys(example.record)) {
      const value = record[key];
      const scalar =
        typeof value === "string" || typeof value === "number" || typeof value === "boolean";
      if (scalar && !PASSWORD_FIELD.test(key)) fields[key] = value;
    }
    const login: Record<string, string> = {};
    for (const [key, value] of Object.entries(example.record))
      if (typeof value === "string" && loginFields.get(key) === value) login[key] = value;
    if (Object.keys(fields).length > 0)
      snapshots.push({
        update,
        fields,
        login,
        ...(example.wrapper ? { wrapper: example.wrapper } : {}),
      });
  }
  return snapshots;
}

/**
 * Puts each snapshot record back when a check changed it, and says so in a note (or that it
 * could not, so the operator checks the test account).
 */
export async function restoreOwnRecords(
  http: ScanHttp,
  snapshots: readonly OwnRecordSnapshot[],
): Promise<string[]> {
  const notes: string[] = [];
  const changed = (e: Exchange | undefined, fields: Readonly<Record<string, Scalar>>) => {
    const { record } = inner(parseJson(e?.body ?? ""));
    return Object.entries(fields)
      .filter(([k, v]) => record?.[k] !== v)
      .map(([k]) => k);
  };
  for (const { update, wrapper, fields, login } of snapshots) {
    const accept = { accept: "application/json" };
    const now = await http.trySend({ url: update.url, headers: accept });
    if (now?.status !== 200) continue;
    const drifted = changed(now, fields);
    if (drifted.length === 0) continue;
    const body = { ...login, ...Object.fromEntries(drifted.map((k) => [k, fields[k]])) };
    await http.trySend({
      method: update.method,
      url: update.url,
      headers: { ...accept, "content-type": "application/json" },
      body: JSON.stringify(wrapper ? { [wrapper]: body } : body),
    });
    const after = await http.trySend({ url: update.url, headers: accept });
    const left = after?.status === 200 ? changed(after, fields) : drifted;
    const names = drifted.join(", ");
    notes.push(
      left.length === 0
        ? `the scan's own account was changed by its probes (${names} through ${update.method} ${update.path}) and was put back as it was`
        : `the scan's own account was changed by its probes and could not be put back (${left.join(", ")} through ${update.method} ${update.path}): check the test account`,
    );
  }
  return notes;
}
