import type { Catalog } from "../catalog/catalog.js";
import type { Evidence, Finding } from "../core/finding.js";
import { findingFingerprint, stableText } from "../core/fingerprint.js";
import { redact, redactHeaders, redactUrl } from "../core/redact.js";
import { operationNamer } from "./operation-match.js";
import type { Exchange, FindingInput, ScanCheck } from "./types.js";

/** Body excerpts in evidence stay short: enough to recognise the problem. */
export const EXCERPT_CHARS = 400;

/**
 * Evidence from an exchange, secrets redacted: the request line, the status, the named response
 * headers, and optionally a body excerpt.
 *
 * @example
 * ```ts
 * exchangeEvidence(exchange, ["server"], true); // { request: "GET /x HTTP/1.1", status: 200, headers: {...}, body: "..." }
 * ```
 */
export function exchangeEvidence(
  exchange: Exchange,
  headers: readonly string[] = [],
  body = false,
): Evidence {
  const url = new URL(exchange.url);
  const shown: Record<string, string> = {};
  for (const name of headers) {
    const key = name.toLowerCase();
    if (key === "set-cookie" && exchange.setCookies.length > 0)
      shown[key] = exchange.setCookies.join("\n");
    else if (exchange.headers[key] !== undefined) shown[key] = exchange.headers[key];
  }
  return {
    request: `${exchange.method} ${redactUrl(url.pathname + url.search)} HTTP/1.1`,
    status: exchange.status,
    ...(Object.keys(shown).length > 0 ? { headers: safeHeaders(shown) } : {}),
    ...(body && exchange.body !== "" ? { body: excerpt(exchange.body) } : {}),
  };
}

// Challenges carry scheme names and realms, never secrets: redacting them as credentials would
// turn `Basic realm="x"` into nonsense.
function safeHeaders(headers: Record<string, string>): Record<string, string> {
  const { "www-authenticate": challenge, ...rest } = headers;
  return {
    ...redactHeaders(rest),
    ...(challenge !== undefined ? { "www-authenticate": challenge } : {}),
  };
}

/**
 * A redacted, shortened body excerpt around `at`. The whole body is redacted before it is cut,
 * so that a secret the window's edge would cut in half (which no pattern would recognise any
 * more) never shows; `at` is moved to the same place in the redacted text.
 */
export function excerpt(text: string, at = 0): string {
  const redacted = redact(text);
  const from = at > 0 ? redact(text.slice(0, at)).length : 0;
  const start = Math.max(0, from - 80);
  const cut = redacted.slice(start, start + EXCERPT_CHARS);
  return `${start > 0 ? "..." : ""}${cut}${start + EXCERPT_CHARS < redacted.length ? "..." : ""}`;
}

/**
 * Builds a finding of a check with the catalog's remediation and references; the check supplies
 * the specific title and detail. The fingerprint names the operation as `nameOperation` does
 * (the documented template), so that it stays the same across runs.
 *
 * @example
 * ```ts
 * buildFinding(check, catalog, target.base, { title, detail, exchange }, operationNamer(target.base, target.operations));
 * ```
 */
export function buildFinding(
  check: Pick<ScanCheck, "id" | "items" | "severity">,
  catalog: Catalog,
  base: URL,
  input: FindingInput,
  nameOperation: (method: string, url: string) => string = operationNamer(base, []),
): Finding {
  const items = input.items ?? check.items;
  const first = items[0];
  if (first === undefined) throw new TypeError(`check ${check.id}: a finding needs an item`);
  const item = catalog.item(first);
  const url = input.url ?? input.exchange?.url ?? base.href;
  const method = input.method ?? input.exchange?.method;
  const evidence: Evidence = {
    ...(input.exchange ? exchangeEvidence(input.exchange, input.headers, input.body) : {}),
    ...redactEvidence(input.evidence ?? {}),
  };
  if (Object.keys(evidence).length === 0)
    throw new TypeError(`check ${check.id}: no finding without evidence`);
  const path = safePath(url);
  const operation = nameOperation(method ?? "GET", redactUrl(url));
  return {
    id: [check.id, method ?? "", path, input.subject ?? ""].join(":"),
    fingerprint: findingFingerprint({
      checkId: check.id,
      items,
      where: operation,
      ...(input.subject !== undefined ? { subject: stableText(input.subject) } : {}),
    }),
    checkId: check.id,
    items,
    severity: input.severity ?? check.severity,
    confidence: input.confidence ?? "high",
    title: input.title,
    detail: redact(input.detail),
    evidence,
    location: { kind: "http", url: redactUrl(url), ...(method ? { method } : {}), operation },
    remediation: item.remediation,
    references: {
      owasp: item.references.owasp,
      cwe: item.references.cwe,
      ...(item.references.rfc ? { rfc: item.references.rfc } : {}),
    },
  };
}

function redactEvidence(evidence: Evidence): Evidence {
  return {
    ...(evidence.request !== undefined ? { request: redact(evidence.request) } : {}),
    ...(evidence.status !== undefined ? { status: evidence.status } : {}),
    ...(evidence.headers ? { headers: redactHeaders(evidence.headers) } : {}),
    ...(evidence.body !== undefined ? { body: redact(evidence.body) } : {}),
    ...(evidence.note !== undefined ? { note: redact(evidence.note) } : {}),
  };
}

function safePath(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    return url;
  }
}
