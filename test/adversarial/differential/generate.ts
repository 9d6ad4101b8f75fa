// Generated requests for the differential suite, one arbitrary per equivalence class of issue 17
// (the ways two parsers can read one request differently), and their rendering to raw bytes.
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import fc from "fast-check";
import { API_KEY, LOCKED_USER, PARTNER_KEY, type Presented, RIGHT_PASSWORD } from "./model.js";
import { PLANTS, type Plant } from "./plant.js";

/** A scope set; the suite signs one token per set (tokens.ts). */
export const SCOPE_SETS = [
  [],
  ["items:read"],
  ["items:write"],
  ["items:read", "items:write"],
  ["admin"],
] as const;

export type Credential =
  | { readonly kind: "none" }
  | {
      readonly kind: "bearer";
      readonly scopes: number;
      readonly valid: boolean;
      readonly place: string;
    }
  | {
      readonly kind: "key";
      readonly which: "ci" | "partner";
      readonly valid: boolean;
      readonly header: string;
    }
  | { readonly kind: "forged-identity"; readonly header: string; readonly value: string };

export interface Body {
  readonly type: "json" | "form";
  readonly contentType: string;
  readonly fields: readonly (readonly [string, string])[];
  /** A JSON member or form field repeated (the first value, then the listed fields). */
  readonly duplicate: boolean;
  /** The username nested one level down as well (`username[0]`, `{"username":{"0":...}}`). */
  readonly nested: boolean;
  readonly bom: boolean;
  readonly charset: "none" | "utf-8" | "utf-16le" | "iso-8859-1";
  readonly coding: string;
}

export interface Case {
  readonly method: string;
  readonly path: string;
  readonly pathForms: readonly string[];
  readonly query: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly credentials: readonly Credential[];
  readonly body: Body | undefined;
  readonly framing: string;
  readonly plant: Plant;
}

/** The operations a client aims at: method and a concrete path of each upstream route. */
const TARGETS: readonly (readonly [string, string])[] = [
  ["GET", "/api/items"],
  ["POST", "/api/items"],
  ["GET", "/api/items/7"],
  ["POST", "/api/items/7"],
  ["PUT", "/api/items/7"],
  ["DELETE", "/api/items/7"],
  ["GET", "/admin"],
  ["POST", "/admin"],
  ["GET", "/admin/7"],
  ["GET", "/reports"],
  ["POST", "/login"],
  ["GET", "/files/a.txt"],
  ["GET", "/index.html"],
];

// ---- path forms -------------------------------------------------------------------------

const hex = (c: string, lower: boolean) => {
  const h = c.charCodeAt(0).toString(16).padStart(2, "0");
  return `%${lower ? h : h.toUpperCase()}`;
};

/** One rewrite of a path per form; `n` picks where it applies. */
const PATH_FORMS: Readonly<Record<string, (path: string, n: number) => string>> = {
  "trailing slash": (p) => `${p}/`,
  "double slash": (p, n) => {
    const at = slashes(p)[n % slashes(p).length] ?? 0;
    return `${p.slice(0, at)}/${p.slice(at)}`;
  },
  "dot segment": (p, n) => {
    const at = slashes(p)[n % slashes(p).length] ?? 0;
    return n % 2 ? `${p.slice(0, at)}/.${p.slice(at)}` : `${p.slice(0, at)}/x/..${p.slice(at)}`;
  },
  "encoded dot segment": (p) => `/files/%2e%2e${p}`,
  "percent-encoded letter": (p, n) => {
    const letters = [...p].flatMap((c, i) => (/[a-z]/.test(c) ? [i] : []));
    const i = letters[n % letters.length] ?? 1;
    return `${p.slice(0, i)}${hex(p[i] as string, n % 2 === 0)}${p.slice(i + 1)}`;
  },
  "encoded slash": (p, n) => {
    const s = slashes(p).slice(1);
    const at = s[n % Math.max(s.length, 1)];
    return at === undefined
      ? `/files/..%2F${p.slice(1)}`
      : `${p.slice(0, at)}%2${n % 2 ? "f" : "F"}${p.slice(at + 1)}`;
  },
  "catch-all prefix": (p, n) => (n % 2 ? `/files/..${p}` : `/files/..%2f..${p}`),
  "upper case": (p, n) => (n % 2 ? p.toUpperCase() : p.replace(/[a-z]/, (c) => c.toUpperCase())),
  "matrix parameter": (p, n) => (n % 2 ? `${p};jsessionid=1` : p.replace(/\/([^/]+)/, "/$1;x=1")),
  "encoded question mark": (p) => `${p}%3F.css`,
  fragment: (p) => `${p}#/../files/a.txt`,
  backslash: (p, n) =>
    n % 2 ? p.replaceAll("/", "\\").replace(/^\\/, "/") : p.replace(/\/([^/]*)$/, "%5C$1"),
  "trailing dot": (p) => `${p}.`,
  "fullwidth letter": (p) => p.replace(/a/, "%EF%BD%81"),
  nul: (p) => `${p}%00.txt`,
};

function slashes(p: string): number[] {
  return [...p].flatMap((c, i) => (c === "/" ? [i] : []));
}

// ---- the pieces -------------------------------------------------------------------------

const OVERRIDE_HEADERS = [
  "X-HTTP-Method-Override",
  "x-http-method-override",
  "X_HTTP_Method_Override",
  "X-HTTP-Method",
  "X_HTTP_METHOD",
  "X-Method-Override",
  "x_method_override",
];
const METHODS = ["DELETE", "delete", "Delete", "PUT", "PATCH"];

const overrideArb = fc.oneof(
  fc
    .tuple(fc.constantFrom(...OVERRIDE_HEADERS), fc.constantFrom(...METHODS))
    .map(([n, v]) => ({ place: "header", name: n, value: v })),
  fc
    .tuple(
      fc.constantFrom("_method", "_METHOD", "_Method", "%5Fmethod", "_method[]"),
      fc.constantFrom(...METHODS),
    )
    .map(([n, v]) => ({ place: "query", name: n, value: v })),
  fc
    .tuple(fc.constantFrom("_method", "_METHOD", "%5Fmethod"), fc.constantFrom(...METHODS))
    .map(([n, v]) => ({ place: "form", name: n, value: v })),
  fc.constantFrom(...METHODS).map((v) => ({ place: "json", name: "_method", value: v })),
);

const IP_HEADERS = [
  "X-Forwarded-For",
  "x-forwarded-for",
  "X_Forwarded_For",
  "x_forwarded_for",
  "X-Real-IP",
  "X_Real_IP",
  "True-Client-IP",
  "X-Client-IP",
  "X-Cluster-Client-IP",
  "Forwarded",
];
const ipArb = fc
  .tuple(fc.constantFrom(...IP_HEADERS), fc.constantFrom("10.0.0.1", "10.1.2.3, 127.0.0.1"))
  .map(([name, ip]) => [name, name === "Forwarded" ? `for=${ip.split(",")[0]}` : ip] as const);

const QUERY_NAMES = [
  "access_token",
  "access.token",
  "access+token",
  "access%20token",
  "Access-Token",
  "ACCESS_TOKEN",
  "auth[access_token]",
  "access_token[]",
  "%61ccess_token",
  "api_key",
  "api.key",
  "x-api-key",
  "token",
];

const credentialArb: fc.Arbitrary<Credential> = fc.oneof(
  fc.constant({ kind: "none" } as const),
  fc
    .record({
      scopes: fc.integer({ min: 0, max: SCOPE_SETS.length - 1 }),
      valid: fc.boolean(),
      place: fc.constantFrom(
        "Authorization: Bearer",
        "authorization: bearer",
        ...QUERY_NAMES.map((n) => `query ${n}`),
        "query q=Bearer",
        "query q=jwt",
        "X_Authorization: Bearer",
      ),
    })
    .map((c) => ({ kind: "bearer", ...c }) as const),
  fc
    .record({
      which: fc.constantFrom("ci", "partner"),
      valid: fc.boolean(),
      header: fc.constantFrom("dashed", "lower", "underscore", "query"),
    })
    .map((c) => ({ kind: "key", ...c }) as const),
  fc
    .record({
      header: fc.constantFrom(
        "X-Auth-Scopes",
        "X_Auth_Scopes",
        "x-auth-subject",
        "X_Auth_Subject",
        "X-Auth-Key",
        "x_auth_key",
      ),
      value: fc.constantFrom("admin", "alice", "ci", "items:read items:write admin"),
    })
    .map((c) => ({ kind: "forged-identity", ...c }) as const),
);

const USERNAMES = [
  LOCKED_USER,
  "VICTIM",
  " victim ",
  "\uff56\uff49\uff43\uff54\uff49\uff4d",
  "alice",
];

/** A body; with `games` off, a plain one of its declared type (the class under test is elsewhere). */
const bodyArb = (
  extra: readonly (readonly [string, string])[],
  games: boolean,
): fc.Arbitrary<Body> =>
  fc
    .record({
      type: fc.constantFrom("json", "form"),
      contentType: games
        ? fc.constantFrom("declared", "swapped", "text/plain", "none", "declared-upper")
        : fc.constant("declared"),
      username: fc.constantFrom(...USERNAMES),
      password: fc.constantFrom(RIGHT_PASSWORD, "wrong"),
      duplicate: games ? fc.boolean() : fc.constant(false),
      nested: games ? fc.boolean() : fc.constant(false),
      bom: games ? fc.boolean() : fc.constant(false),
      charset: games
        ? fc.constantFrom("none", "utf-8", "utf-16le", "iso-8859-1")
        : fc.constant("none"),
      coding: games
        ? fc.constantFrom(
            "identity",
            "identity",
            "gzip",
            "deflate",
            "br",
            "x-gzip",
            "GZIP",
            "gzip, identity",
            "compress",
          )
        : fc.constant("identity"),
    })
    .map((b) => {
      const declared = b.type === "json" ? "application/json" : "application/x-www-form-urlencoded";
      const other = b.type === "json" ? "application/x-www-form-urlencoded" : "application/json";
      const contentType = {
        declared,
        swapped: other,
        "text/plain": "text/plain",
        none: "",
        "declared-upper": declared.toUpperCase(),
      }[b.contentType];
      return {
        type: b.type,
        contentType,
        fields: [["username", b.username], ["password", b.password], ...extra] as const,
        duplicate: b.duplicate,
        nested: b.nested,
        bom: b.bom,
        charset: b.charset,
        coding: b.coding,
      };
    });

const FRAMINGS = [
  "length",
  "length",
  "chunked",
  "Chunked",
  "gzip, chunked",
  " chunked",
  "identity, chunked",
  "chunked, identity",
];
const HOP_BY_HOP = [
  "close, x-api-key",
  "close, authorization",
  "close, x-auth-scopes",
  "close, x-forwarded-for",
  "close, x-plant",
  "close, content-encoding",
  "close, te",
];

const validBearerArb: fc.Arbitrary<Credential> = fc
  .integer({ min: 0, max: SCOPE_SETS.length - 1 })
  .map((scopes) => ({ kind: "bearer", scopes, valid: true, place: "Authorization: Bearer" }));

/** The targets where a class can make a difference (all of them for the others). */
function targetsOf(cls: ClassName): readonly (readonly [string, string])[] {
  const posts = TARGETS.filter(([m]) => m === "POST");
  switch (cls) {
    case "method overrides":
      // The one POST whose override escalates (DELETE needs admin) twice as often.
      return [...posts, ["POST", "/api/items/7"]];
    case "body encodings":
    case "hop-by-hop and Transfer-Encoding":
      return posts;
    case "client-IP aliases":
      return TARGETS.filter(([, p]) => p.startsWith("/admin"));
    case "credential and identity headers":
      return TARGETS.filter(([m, p]) => m === "GET" && !p.startsWith("/admin"));
    case "planted responses":
      return TARGETS.filter(([m, p]) => m === "GET" && !/admin|reports|7/.test(p));
    default:
      return TARGETS;
  }
}

/** Which class a generated request stresses; `mixed` draws every piece. */
export type ClassName =
  | "path forms"
  | "method overrides"
  | "client-IP aliases"
  | "body encodings"
  | "query credentials"
  | "credential and identity headers"
  | "hop-by-hop and Transfer-Encoding"
  | "planted responses"
  | "mixed";

/** The arbitrary of one class: its pieces drawn, the others left plain. */
export function caseArb(cls: ClassName): fc.Arbitrary<Case> {
  const all = cls === "mixed";
  const on = (c: ClassName) => all || cls === c;
  const formNames = Object.keys(PATH_FORMS);
  return fc
    .record({
      target: fc.constantFrom(...targetsOf(cls)),
      forms: on("path forms")
        ? fc.array(fc.constantFrom(...formNames), { minLength: all ? 0 : 1, maxLength: 2 })
        : fc.constant([]),
      n: fc.nat(100),
      override: all
        ? fc.option(overrideArb, { freq: 4, nil: undefined })
        : cls === "method overrides"
          ? overrideArb
          : fc.constant(undefined),
      ip: on("client-IP aliases")
        ? fc.option(ipArb, { freq: all ? 4 : 1, nil: undefined })
        : fc.constant(undefined),
      // Two Authorization headers are refused as such: one token when credentials are not the class.
      credentials:
        on("query credentials") || on("credential and identity headers")
          ? fc.array(credentialArb, { minLength: 0, maxLength: 2 })
          : fc.array(validBearerArb, { minLength: 0, maxLength: 1 }),
      body:
        on("body encodings") || on("method overrides") || on("hop-by-hop and Transfer-Encoding")
          ? fc.boolean()
          : fc.constant(false),
      framing: on("hop-by-hop and Transfer-Encoding")
        ? fc.constantFrom(...FRAMINGS)
        : fc.constant("length"),
      hop: on("hop-by-hop and Transfer-Encoding")
        ? fc.option(fc.constantFrom(...HOP_BY_HOP), { nil: undefined })
        : fc.constant(undefined),
      plant: on("planted responses") ? fc.constantFrom(...PLANTS) : fc.constantFrom(...PLANTS),
      range: on("planted responses")
        ? fc.option(fc.constantFrom("bytes=40-", "bytes=0-10", "bytes=45-90"), { nil: undefined })
        : fc.constant(undefined),
    })
    .chain((r) => {
      const [method, base] = r.target;
      const wantsBody =
        method !== "GET" &&
        (r.body ||
          method === "POST" ||
          r.override?.place === "form" ||
          r.override?.place === "json");
      const extra: (readonly [string, string])[] = [];
      if (r.override?.place === "form" || r.override?.place === "json")
        extra.push([r.override.name, r.override.value]);
      const body = wantsBody
        ? bodyArb(extra, on("body encodings")).map((b) =>
            r.override?.place === "json"
              ? { ...b, type: "json" as const }
              : r.override?.place === "form"
                ? { ...b, type: "form" as const }
                : b,
          )
        : fc.constant(undefined);
      return body.map((b): Case => {
        let path = base;
        for (const form of r.forms)
          path = (PATH_FORMS[form] as (p: string, n: number) => string)(path, r.n);
        const headers: [string, string][] = [];
        let query = "";
        if (r.override?.place === "header") headers.push([r.override.name, r.override.value]);
        if (r.override?.place === "query") query = `${r.override.name}=${r.override.value}`;
        if (r.ip) headers.push([r.ip[0], r.ip[1]]);
        if (r.hop) headers.push(["Connection", r.hop]);
        if (r.range) headers.push(["Range", r.range]);
        return {
          method,
          path,
          pathForms: r.forms,
          query,
          headers,
          credentials: r.credentials,
          body: b,
          framing: b === undefined ? "length" : r.framing,
          plant: r.plant,
        };
      });
    });
}

// ---- rendering ----------------------------------------------------------------------------

/** A request as bytes, and what it presents to the guard as the guard is documented to read. */
export interface Rendered {
  readonly bytes: Buffer;
  readonly presented: Presented;
  readonly text: string;
}

/** Renders `c` with `tokenFor(scopes index, valid)` for the bearer tokens it carries. */
export function render(c: Case, tokenFor: (scopes: number, valid: boolean) => string): Rendered {
  const headers: [string, string][] = [
    ["Host", "example.test"],
    ...c.headers.map(([n, v]) => [n, v] as [string, string]),
  ];
  const query: string[] = c.query ? [c.query] : [];
  let tokenScopes: string[] | undefined;
  let apiKeyName: string | undefined;
  for (const cred of c.credentials) {
    if (cred.kind === "bearer") {
      const token = tokenFor(cred.scopes, cred.valid);
      const [where, rest = ""] = cred.place.split(" ");
      if (where === "query") {
        if (rest === "q=Bearer") query.push(`q=Bearer+${token}`);
        else if (rest === "q=jwt") query.push(`q=${token}`);
        else query.push(`${rest}=${token}`);
      } else {
        const name =
          where === "X_Authorization:" ? "X_Authorization" : (where as string).slice(0, -1);
        headers.push([name, `${rest} ${token}`]);
        if (cred.valid && name.toLowerCase() === "authorization" && tokenScopes === undefined)
          tokenScopes = [...(SCOPE_SETS[cred.scopes] ?? [])];
      }
    } else if (cred.kind === "key") {
      const key = cred.which === "ci" ? API_KEY : PARTNER_KEY;
      const value = cred.valid ? key : `forged-${cred.which}-key-00000000000000`;
      const dashed = cred.which === "ci" ? "X-Api-Key" : "X-Partner-Key";
      if (cred.header === "query")
        query.push(`${cred.which === "ci" ? "api_key" : "partner_key"}=${value}`);
      else {
        const name =
          cred.header === "dashed"
            ? dashed
            : cred.header === "lower"
              ? dashed.toLowerCase()
              : dashed.replaceAll("-", "_");
        headers.push([name, value]);
        if (cred.valid && cred.header !== "underscore" && apiKeyName === undefined)
          apiKeyName = cred.which;
      }
    } else if (cred.kind === "forged-identity") headers.push([cred.header, cred.value]);
  }
  // The key headers as the guard reads them: exact names, any case, repeated ones joined by
  // ", " (as Node joins them for the guard and forwards them).
  const keyHeaders = ["x-api-key", "x-partner-key"].flatMap((key) => {
    const values = headers.filter(([n]) => n.toLowerCase() === key).map(([, v]) => v);
    return values.length > 0 ? [values.join(", ")] : [];
  });
  if (c.plant !== "plain") headers.push(["X-Plant", c.plant]);
  let body: Buffer = Buffer.alloc(0);
  if (c.body) {
    body = encodeBody(c.body);
    if (c.body.contentType !== "")
      headers.push([
        "Content-Type",
        c.body.contentType + (c.body.charset === "none" ? "" : `; charset=${c.body.charset}`),
      ]);
    if (c.body.coding !== "identity") {
      body = compress(body, c.body.coding);
      headers.push(["Content-Encoding", c.body.coding]);
    }
  }
  if (c.framing === "length") {
    if (c.body) headers.push(["Content-Length", String(body.length)]);
  } else {
    if (c.framing.startsWith("gzip")) body = gzipSync(body);
    headers.push(["Transfer-Encoding", c.framing]);
    body =
      body.length > 0
        ? Buffer.concat([
            Buffer.from(`${body.length.toString(16)}\r\n`),
            body,
            Buffer.from("\r\n0\r\n\r\n"),
          ])
        : Buffer.from("0\r\n\r\n");
  }
  if (!headers.some(([n]) => n === "Connection")) headers.push(["Connection", "close"]);
  const target = c.path + (query.length > 0 ? `?${query.join("&")}` : "");
  const head = `${c.method} ${target} HTTP/1.1\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join("")}\r\n`;
  return {
    bytes: Buffer.concat([Buffer.from(head, "utf8"), body]),
    presented: { tokenScopes, apiKeyName, keyHeaders },
    text:
      head +
      (body.length > 300 ? `${body.toString("latin1", 0, 300)}...` : body.toString("latin1")),
  };
}

function encodeBody(b: Body): Buffer {
  const fields = [...b.fields];
  const username = fields.find(([n]) => n === "username")?.[1] ?? "";
  let text: string;
  if (b.type === "json") {
    const members = fields.map(([n, v]) => `${JSON.stringify(n)}:${JSON.stringify(v)}`);
    if (b.duplicate) members.unshift(`"username":"alice"`);
    if (b.nested) members.push(`"user":{"username":${JSON.stringify(username)}}`);
    text = `{${members.join(",")}}`;
  } else {
    const pairs = fields.map(
      ([n, v]) => `${n.includes("%") ? n : encodeURIComponent(n)}=${encodeURIComponent(v)}`,
    );
    if (b.duplicate) pairs.unshift("username=alice");
    if (b.nested) pairs.push(`user[username]=${encodeURIComponent(username)}`);
    text = pairs.join("&");
  }
  if (b.bom) text = `\ufeff${text}`;
  if (b.charset === "utf-16le") return Buffer.from(text, "utf16le");
  if (b.charset === "iso-8859-1") return Buffer.from(text, "latin1");
  return Buffer.from(text, "utf8");
}

function compress(body: Buffer, coding: string): Buffer {
  const c = coding.toLowerCase();
  if (c.includes("gzip")) return gzipSync(body);
  if (c === "deflate") return deflateSync(body);
  if (c === "br") return brotliCompressSync(body);
  return body; // "compress": sent as is under a coding nobody decodes
}
