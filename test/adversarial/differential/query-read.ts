// How an upstream that reads its query with qs would find a credential in it: every key at any
// depth folded as PHP and friends fold names, and every value by its shape.

const NAMES = new Set([
  "access_token",
  "id_token",
  "refresh_token",
  "token",
  "jwt",
  "api_key",
  "apikey",
  "x_api_key",
  "password",
  "secret",
  "client_secret",
  "authorization",
]);
const JWT = /eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\./;
const SCHEME = /^(?:bearer|basic)\s+\S{12,}/i;

/** "name" or "name=value" for each credential found in a parsed query (nested objects too). */
export function credentialParameters(query: Record<string, unknown>): string[] {
  const out: string[] = [];
  const walk = (value: unknown, name: string) => {
    const folded = name
      .trim()
      .toLowerCase()
      .replace(/[.\s-]/g, "_");
    if (NAMES.has(folded)) out.push(name);
    if (typeof value === "string") {
      if (JWT.test(value) || SCHEME.test(value.trim())) out.push(`${name}=${value.slice(0, 24)}`);
    } else if (value && typeof value === "object")
      for (const [k, v] of Object.entries(value)) walk(v, k);
  };
  for (const [k, v] of Object.entries(query)) walk(v, k);
  return out;
}
