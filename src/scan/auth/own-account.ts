import { isObject, parseJson } from "../discovery.js";
import type { Exchange, ScanOperation } from "../types.js";
import { PASSWORD_FIELD, USERNAME_FIELD } from "./login.js";

/**
 * The fields a login took (`email`, `password`, ...) with the values it was given, read from the
 * login's own request: a JSON body at any depth or a form.
 *
 * @example
 * ```ts
 * loginFields(loginExchange); // Map { "email" => "alice@example.test", "password" => "..." }
 * ```
 */
export function loginFields(login: Exchange | undefined): ReadonlyMap<string, string> {
  const fields = new Map<string, string>();
  const text = login?.requestBody;
  if (text === undefined) return fields;
  const take = (key: string, value: unknown) => {
    if (typeof value === "string" && (PASSWORD_FIELD.test(key) || USERNAME_FIELD.test(key)))
      if (!fields.has(key)) fields.set(key, value);
  };
  const json = parseJson(text);
  if (json !== undefined) {
    const visit = (value: unknown, depth: number): void => {
      if (!isObject(value) || depth > 4) return;
      for (const [k, v] of Object.entries(value)) {
        take(k, v);
        visit(v, depth + 1);
      }
    };
    visit(json, 0);
  } else for (const [k, v] of new URLSearchParams(text)) take(k, v);
  return fields;
}

/**
 * Example bodies that keep the test account's login: wherever a body or form has a field the
 * login took (`email`, `password`), it carries the login's own value. A profile update sent with
 * the document's example (`PUT /user` with `email: user@example.test`) would otherwise change the
 * account's email or password mid-scan, and every later request of the scan would be refused.
 *
 * @example
 * ```ts
 * keepOwnAccount(operations, loginFields(loginExchange));
 * ```
 */
export function keepOwnAccount(
  operations: readonly ScanOperation[],
  fields: ReadonlyMap<string, string>,
): ScanOperation[] {
  if (fields.size === 0) return [...operations];
  const own = (value: unknown, depth: number): unknown => {
    if (Array.isArray(value)) return value.map((v) => own(v, depth + 1));
    if (!isObject(value) || depth > 6) return value;
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        fields.has(k) && (typeof v === "string" || v === null) ? fields.get(k) : own(v, depth + 1),
      ]),
    );
  };
  return operations.map((op) => {
    const body = op.exampleBody !== undefined ? parseJson(op.exampleBody) : undefined;
    const full = op.fullExampleBody !== undefined ? parseJson(op.fullExampleBody) : undefined;
    const form = op.exampleForm;
    if (body === undefined && form === undefined) return op;
    return {
      ...op,
      ...(body !== undefined ? { exampleBody: JSON.stringify(own(body, 0)) } : {}),
      ...(full !== undefined ? { fullExampleBody: JSON.stringify(own(full, 0)) } : {}),
      ...(form !== undefined ? { exampleForm: own(form, 0) as Record<string, string> } : {}),
    };
  });
}
