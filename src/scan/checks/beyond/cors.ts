import type { Finding } from "../../../core/finding.js";
import { cookiesOf, SESSION_COOKIE } from "../../auth/login.js";
import { apiResponses } from "../../responses.js";
import type { CheckContext, Exchange, ScanCheck } from "../../types.js";
import { covered, ran, undescribed } from "../outcome.js";

/** A made-up site: no API has a reason to trust it. `.example` is reserved (RFC 2606). */
export const PROBE_ORIGIN = "https://rampart-probe.example";

/** The ways an origin check goes wrong, and the origin that shows each. */
type Probe = "reflected" | "null" | "prefix" | "suffix" | "preflight";

/**
 * Origins that pass a careless allow-list of the API's own host: one that starts with it
 * (`https://api.example.com.rampart-probe.example`, a `startsWith` or unanchored regex) and one
 * that ends with it without being a subdomain (`https://rampartprobeapi.example.com`, an
 * `endsWith` or a regex without the dot).
 */
function trickOrigins(host: string): Readonly<Record<"prefix" | "suffix", string>> {
  return { prefix: `https://${host}.rampart-probe.example`, suffix: `https://rampartprobe${host}` };
}

const WORDING: Readonly<Record<Probe, string>> = {
  reflected: "CORS reflects any origin",
  null: "CORS trusts the null origin",
  prefix: "CORS trusts an origin that merely starts with the API's host",
  suffix: "CORS trusts an origin that merely ends with the API's host",
  preflight: "CORS preflight allows any origin",
};

/**
 * EXT-01: the CORS policy (Fetch standard) trusts only known origins: no arbitrary Origin
 * reflected (on simple requests and preflights), no `null` origin trusted (sandboxed frames and
 * file: pages send it), no look-alike of the API's own host (`startsWith` / `endsWith`
 * allow-lists), no wildcard with credentials (on any answer of the scan, asked or not).
 */
export const corsCheck: ScanCheck = {
  id: "ext-01-cors",
  items: ["EXT-01"],
  proves: ["EXT-01"],
  severity: "high",
  intrusive: false,
  needs: [],
  title: "Strict CORS policy",
  async run(context) {
    const { target } = context;
    // Every readable endpoint the scan knows, up to a cap: a CORS policy is often per route.
    const known = [
      ...new Set([
        ...target.operations.filter((o) => o.method === "GET").map((o) => o.url),
        ...apiResponses(target).map((e) => e.url),
      ]),
    ];
    // A browser sends the cookies the API set, and CORS attacks ride on them: an API that opens
    // a cookie session when a client signs in answers its CORS headers to that session, which a
    // probe of the sign-out path would end.
    const session = await browserSession(context);
    const probed = session ? known.filter((url) => !SIGN_OUT.test(new URL(url).pathname)) : known;
    const urls = probed.length > 0 ? probed.slice(0, MAX_CORS_URLS) : [target.base.href];
    const tricks = trickOrigins(target.base.hostname);
    // The null origin, the look-alikes and the preflight on the first endpoint only.
    const probes = urls.flatMap((url, i) => [
      { url, origin: PROBE_ORIGIN, kind: "reflected" as Probe },
      ...(i < MAX_TRICK_URLS
        ? [
            { url, origin: "null", kind: "null" as Probe },
            { url, origin: tricks.prefix, kind: "prefix" as Probe },
            { url, origin: tricks.suffix, kind: "suffix" as Probe },
            { url, origin: PROBE_ORIGIN, kind: "preflight" as Probe },
          ]
        : []),
    ]);
    // Endpoints in parallel, one endpoint's probes in turn: an endpoint that never answers is
    // given up after its first silences instead of holding every probe until the timeout.
    const send = (p: (typeof probes)[number]) =>
      context.http.trySend(
        p.kind === "preflight"
          ? {
              method: "OPTIONS",
              url: p.url,
              headers: {
                origin: p.origin,
                "access-control-request-method": "PUT",
                "access-control-request-headers": "authorization, content-type",
              },
            }
          : session
            ? { url: p.url, anonymous: true, headers: { ...session, origin: p.origin } }
            : { url: p.url, headers: { origin: p.origin } },
      );
    const answers: (Exchange | undefined)[] = new Array(probes.length);
    await Promise.all(
      urls.map(async (url) => {
        for (const [index, probe] of probes.entries())
          if (probe.url === url) answers[index] = await send(probe);
      }),
    );
    const found = new Map<Probe, { exchange: Exchange; origin: string; credentials: boolean }>();
    let wildcard: Exchange | undefined;
    for (const [i, e] of answers.entries()) {
      const probe = probes[i];
      if (!e || !probe) continue;
      const allow = e.headers["access-control-allow-origin"];
      const credentials = allowsCredentials(e);
      if (allow === probe.origin && !found.has(probe.kind))
        found.set(probe.kind, { exchange: e, origin: probe.origin, credentials });
      else if (allow?.trim() === "*" && credentials) wildcard ??= e;
    }
    // Answers the scan got without asking (no Origin at all) count for the wildcard too.
    wildcard ??= target.observed
      .map((o) => o.exchange)
      .find(
        (e) => e.headers["access-control-allow-origin"]?.trim() === "*" && allowsCredentials(e),
      );
    // A policy that reflects everything reflects the look-alikes and the preflight too: one
    // finding says it; the others would repeat it.
    if (found.has("reflected")) {
      found.delete("prefix");
      found.delete("suffix");
      found.delete("preflight");
    }
    const findings: Finding[] = [...found.entries()].map(
      ([kind, { exchange, origin, credentials }]) =>
        context.finding({
          severity: credentials ? "high" : "medium",
          title: WORDING[kind],
          detail: `${kind === "preflight" ? "A preflight (OPTIONS, Access-Control-Request-Method: PUT) with " : ""}Origin: ${origin} is answered with Access-Control-Allow-Origin: ${origin}${credentials ? " and credentials allowed: that site can read responses with the victim's cookies or credentials" : ": that site can read the responses"}.`,
          exchange,
          headers: HEADERS,
          evidence: {
            request: `${kind === "preflight" ? "OPTIONS" : "GET"} ${new URL(exchange.url).pathname} HTTP/1.1 (Origin: ${origin})`,
          },
          subject: kind,
        }),
    );
    if (wildcard)
      findings.push(
        context.finding({
          severity: "medium",
          title: "CORS wildcard with credentials",
          detail: `${new URL(wildcard.url).pathname} answers Access-Control-Allow-Origin: * together with Access-Control-Allow-Credentials: true: browsers refuse the pair, which tends to get "fixed" by reflecting the origin.`,
          exchange: wildcard,
          headers: HEADERS,
          subject: "wildcard",
        }),
      );
    const gaps = [
      ...(probed.length > urls.length
        ? [`${probed.length - urls.length} endpoints beyond the cap`]
        : []),
      ...undescribed(context),
    ];
    return ran(findings, covered(urls.length, Math.max(probed.length, 1), "endpoints", gaps));
  },
};

const HEADERS = ["access-control-allow-origin", "access-control-allow-credentials", "vary"];

/** Request headers that are not credentials. */
const PLAIN_HEADERS = new Set([
  "user-agent",
  "accept",
  "accept-encoding",
  "accept-language",
  "content-type",
  "content-length",
  "host",
  "origin",
  "connection",
]);

const SIGN_OUT = /log-?out|sign-?out|log-?off/i;
const SIGN_IN = /log-?in|sign-?in|auth|session/i;
/** Reads replayed for their session cookies, at most. */
const MAX_SESSION_SETTERS = 3;

/**
 * The scan's credentials plus the session cookies that signed-in reads set (a `GET .../login`
 * that opens a PHP session for a header-authenticated caller, say), fresh from replaying those
 * reads, sign-in paths first; undefined when no read of the scan sets one. Sign-out paths are
 * never replayed.
 */
async function browserSession(context: CheckContext): Promise<Record<string, string> | undefined> {
  const credentialed = (e: Exchange) =>
    Object.keys(e.requestHeaders).some((h) => !PLAIN_HEADERS.has(h.toLowerCase()));
  const setsSession = (e: Exchange) => [...cookiesOf(e).keys()].some((n) => SESSION_COOKIE.test(n));
  const pathOf = (e: Exchange) => new URL(e.url).pathname;
  const setters = [
    ...new Map(
      context.target.observed
        .map((o) => o.exchange)
        .filter(
          (e) =>
            e.method === "GET" &&
            e.status >= 200 &&
            e.status < 300 &&
            !SIGN_OUT.test(pathOf(e)) &&
            credentialed(e) &&
            setsSession(e),
        )
        .map((e) => [e.url, e] as const),
    ).values(),
  ]
    .sort((a, b) => Number(!SIGN_IN.test(pathOf(a))) - Number(!SIGN_IN.test(pathOf(b))))
    .slice(0, MAX_SESSION_SETTERS);
  const cookies = new Map<string, string>();
  let headers: Record<string, string> | undefined;
  for (const setter of setters) {
    const fresh = await context.http.trySend({ url: setter.url });
    if (!fresh || !setsSession(fresh)) continue;
    headers ??= Object.fromEntries(
      Object.entries(fresh.requestHeaders).filter(([h]) => !PLAIN_HEADERS.has(h.toLowerCase())),
    );
    for (const [name, value] of cookiesOf(fresh)) if (!cookies.has(name)) cookies.set(name, value);
  }
  if (!headers) return undefined;
  const jar = [...cookies].map(([name, value]) => `${name}=${value}`);
  headers.cookie = [headers.cookie, ...jar].filter(Boolean).join("; ");
  return headers;
}

function allowsCredentials(exchange: Exchange): boolean {
  return /^\s*true\s*$/i.test(exchange.headers["access-control-allow-credentials"] ?? "");
}

/** Endpoints asked with a foreign Origin at most. */
export const MAX_CORS_URLS = 40;
/** Endpoints also asked with the null origin, look-alike origins and a preflight (a policy is usually global). */
export const MAX_TRICK_URLS = 1;
