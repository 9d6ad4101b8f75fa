import type { DemoUrls } from "../app.js";
import { designedContract } from "../contract.js";
import { DEBUG_CONSOLE_HTML, debugVars } from "../http/debug.js";
import { authorizationServerMetadata } from "../oauth/metadata.js";
import { buildOpenApiDocument } from "../openapi.js";
import type { DemoContext, Route } from "../types.js";

export interface MetaOptions {
  readonly now: () => number;
  readonly urls: () => DemoUrls;
}

/** The OpenAPI document's paths: the usual one and Spring's. */
const OPENAPI_PATHS = ["/openapi.json", "/v3/api-docs"] as const;

/**
 * The routes about the API itself: root, health, its OpenAPI document (the code as it is) and
 * its contract (`/contract.json`: the document as designed, which `rampart guard --openapi`
 * enforces in front of it), OpenID Provider metadata, security.txt (unless `no-security-txt`),
 * and the debug endpoints (`debug-mode`).
 *
 * @example
 * ```ts
 * const routes = metaRoutes(context, { now: Date.now, urls: () => ({ http: "http://127.0.0.1:8080" }) });
 * ```
 */
export function metaRoutes(context: DemoContext, options: MetaOptions): Route[] {
  const started = options.now();
  const routes: Route[] = [
    {
      method: "GET",
      path: "/",
      auth: "none",
      handler: () => ({
        status: 200,
        body: { name: "Rampart demo shop API", version: "1.0.0", openapi: "/openapi.json" },
      }),
    },
    {
      method: "GET",
      path: "/health",
      auth: "none",
      handler: () => ({ status: 200, body: { status: "ok" } }),
    },
    ...OPENAPI_PATHS.map(
      (path): Route => ({
        method: "GET",
        path,
        auth: "none",
        handler: (_request, ctx) => ({
          status: 200,
          body: buildOpenApiDocument(ctx, serversOf(ctx, options.urls())),
        }),
      }),
    ),
    {
      method: "GET",
      path: "/contract.json",
      auth: "none",
      handler: (_request, ctx) => ({
        status: 200,
        body: designedContract(buildOpenApiDocument(ctx, serversOf(ctx, options.urls()))),
      }),
    },
    {
      method: "GET",
      path: "/.well-known/openid-configuration",
      auth: "none",
      handler: (_request, ctx) => ({ status: 200, body: openIdConfiguration(ctx) }),
    },
  ];
  if (!context.has("no-security-txt")) {
    routes.push({
      method: "GET",
      path: "/.well-known/security.txt",
      auth: "none",
      produces: ["text/plain"],
      handler: (_request, ctx) => ({
        status: 200,
        contentType: "text/plain; charset=utf-8",
        body: securityTxt(ctx.baseUrl(), options.now()),
      }),
    });
  }
  if (context.has("debug-mode")) {
    routes.push(
      {
        method: "GET",
        path: "/debug/vars",
        auth: "none",
        handler: () => ({ status: 200, body: debugVars(options.now() - started) }),
      },
      {
        method: "GET",
        path: "/debug/console",
        auth: "none",
        produces: ["text/html"],
        handler: () => ({
          status: 200,
          contentType: "text/html; charset=utf-8",
          body: DEBUG_CONSOLE_HTML,
        }),
      },
    );
  }
  return routes;
}

/**
 * An RFC 9116 security.txt. Expires stays under a year ahead, as section 2.5.5 recommends;
 * Canonical names the file's own URL.
 *
 * @example
 * ```ts
 * securityTxt("https://127.0.0.1:8443", Date.now()); // "Contact: mailto:security@demo.test\n..."
 * ```
 */
export function securityTxt(baseUrl: string, nowMs: number): string {
  const expires = new Date(nowMs + 364 * 24 * 60 * 60 * 1000)
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z");
  return [
    "# Security contact of the Rampart demo shop API (RFC 9116)",
    "Contact: mailto:security@demo.test",
    `Expires: ${expires}`,
    "Preferred-Languages: en",
    `Canonical: ${baseUrl}/.well-known/security.txt`,
    "",
  ].join("\n");
}

/**
 * OpenID Provider metadata (OpenID Connect Discovery 1.0): the RFC 8414 authorization server
 * metadata of the OAuth side, plus the members Discovery requires.
 *
 * @example
 * ```ts
 * openIdConfiguration(context).response_types_supported; // ["code"] (+ "token" with implicit-flow)
 * ```
 */
export function openIdConfiguration(context: DemoContext): Record<string, unknown> {
  const oauth = authorizationServerMetadata(context).body as Record<string, unknown>;
  return {
    ...oauth,
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256"],
  };
}

/** Where the document says the API is: the HTTPS URL, and plain HTTP where it serves the API. */
function serversOf(context: DemoContext, urls: DemoUrls): string[] {
  if (!urls.https) return [urls.http];
  return context.has("plain-http") ? [urls.https, urls.http] : [urls.https];
}
