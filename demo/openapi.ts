import { BODY_LIMIT_BYTES } from "./http/body.js";
import { type Json, openApiResponses, openApiSchemas, ref } from "./openapi-components.js";
import { pagingParameters } from "./openapi-paging.js";
import type { DemoContext } from "./types.js";

/** What an operation needs declared: the rest (security, 401/403/429) follows from `auth`. */
interface OperationSpec {
  readonly id: string;
  readonly summary: string;
  readonly tag: string;
  readonly auth: "none" | "user" | "admin";
  /**
   * Why an operation without authentication is public on purpose (`x-rampart-public`). The
   * flaws that drop authentication (`unauthenticated-endpoint`, `admin-exposed`) give none.
   */
  readonly publicReason?: string;
  readonly scopes?: readonly string[];
  readonly parameters?: readonly Json[];
  readonly body?: Readonly<Record<string, Json>>;
  readonly responses: Readonly<Record<string, Json>>;
}

const response = (name: string): Json => ({ $ref: `#/components/responses/${name}` });
const json = (description: string, schema: Json): Json => ({
  description,
  content: { "application/json": { schema } },
});
const pathParam = (name: string, schema: Json): Json => ({
  name,
  in: "path",
  required: true,
  schema,
});
const queryParam = (name: string, schema: Json, description?: string): Json => ({
  name,
  in: "query",
  schema,
  ...(description ? { description } : {}),
});

/** The OAuth scopes of the demo's resources. */
const OAUTH_SCOPES = {
  "orders:read": "read your orders",
  "orders:write": "create, change and cancel your orders",
  profile: "read and update your profile",
  admin: "administer the shop",
};

/**
 * The demo's own OpenAPI 3.1 document. It mirrors the flaw set, so that `rampart audit` finds
 * in the design what `rampart scan` finds at run time: Basic auth and API keys in the query
 * offered as schemes, the implicit flow, integer order ids, user ids in paths, an unsecured
 * user directory and admin area, password hashes in the User schema, no 429 responses.
 *
 * @example
 * ```ts
 * buildOpenApiDocument(context, ["https://127.0.0.1:8443"]).openapi; // "3.1.0"
 * ```
 */
export function buildOpenApiDocument(context: DemoContext, servers: readonly string[]): Json {
  const base = servers[0] ?? context.baseUrl();
  const has = (flaw: Parameters<DemoContext["has"]>[0]) => context.has(flaw);
  const schemes: Json = {
    bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
    apiKeyAuth: has("api-key-in-query")
      ? { type: "apiKey", in: "query", name: "api_key" }
      : { type: "apiKey", in: "header", name: "X-API-Key" },
    oauth2: {
      type: "oauth2",
      flows: {
        authorizationCode: {
          authorizationUrl: `${base}/oauth/authorize`,
          tokenUrl: `${base}/oauth/token`,
          scopes: OAUTH_SCOPES,
        },
        ...(has("implicit-flow")
          ? {
              implicit: { authorizationUrl: `${base}/oauth/authorize`, scopes: OAUTH_SCOPES },
            }
          : {}),
      },
    },
    ...(has("basic-auth") ? { basicAuth: { type: "http", scheme: "basic" } } : {}),
  };
  const security = (scopes: readonly string[]): Json[] => [
    { bearerAuth: [] },
    { oauth2: [...scopes] },
    { apiKeyAuth: [] },
    ...(has("basic-auth") ? [{ basicAuth: [] }] : []),
  ];

  const operation = (spec: OperationSpec): Json => {
    const responses: Json = { ...spec.responses };
    if (spec.auth !== "none") responses["401"] = response("Unauthorized");
    if (spec.auth === "admin") responses["403"] = response("Forbidden");
    if (!has("no-rate-limit")) responses["429"] = response("TooManyRequests");
    return {
      operationId: spec.id,
      summary: spec.summary,
      tags: [spec.tag],
      security: spec.auth === "none" ? [] : security(spec.scopes ?? []),
      ...(spec.auth === "none" && spec.publicReason
        ? { "x-rampart-public": spec.publicReason }
        : {}),
      ...(spec.parameters ? { parameters: spec.parameters } : {}),
      ...(spec.body
        ? {
            requestBody: {
              required: true,
              content: Object.fromEntries(
                Object.entries(spec.body).map(([type, schema]) => [type, { schema }]),
              ),
            },
          }
        : {}),
      responses,
    };
  };

  const orderId = has("sequential-ids")
    ? { type: "integer", format: "int64", minimum: 1 }
    : { type: "string", format: "uuid" };
  const paging = pagingParameters(has("unbounded-input"));
  const ordersPage = json("a page of orders", ref("OrderList"));
  const adminAuth = has("admin-exposed") ? "none" : "admin";

  const paths: Record<string, Json> = {
    "/health": {
      get: operation({
        id: "getHealth",
        summary: "Liveness",
        tag: "meta",
        auth: "none",
        publicReason: "liveness probe for load balancers and monitors; it answers a bare status",
        responses: { "200": json("alive", ref("Health")) },
      }),
    },
    "/auth/login": {
      post: operation({
        id: "login",
        summary: "Log in with a username and password",
        tag: "auth",
        auth: "none",
        publicReason: "the login itself: callers have no credentials yet",
        body: { "application/json": ref("LoginRequest") },
        responses: {
          "200": json("tokens", ref("TokenResponse")),
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
        },
      }),
    },
    "/auth/refresh": {
      post: operation({
        id: "refresh",
        summary: "Exchange a refresh token for new tokens",
        tag: "auth",
        auth: "none",
        publicReason: "authenticated by the refresh token in its body",
        body: { "application/json": ref("RefreshRequest") },
        responses: {
          "200": json("tokens", ref("TokenResponse")),
          "400": response("BadRequest"),
          "401": response("Unauthorized"),
        },
      }),
    },
    "/auth/logout": {
      post: operation({
        id: "logout",
        summary: "Revoke the session and its tokens",
        tag: "auth",
        auth: "user",
        responses: { "204": { description: "logged out" } },
      }),
    },
    "/.well-known/jwks.json": {
      get: operation({
        id: "getJwks",
        summary: "Public keys of the tokens (RFC 7517)",
        tag: "auth",
        auth: "none",
        publicReason: "public keys that clients need to verify tokens (RFC 7517)",
        responses: { "200": json("the JWK set", ref("JwkSet")) },
      }),
    },
    "/.well-known/openid-configuration": {
      get: operation({
        id: "getOpenIdConfiguration",
        summary: "OpenID Provider metadata",
        tag: "auth",
        auth: "none",
        publicReason: "discovery metadata that clients read before they authenticate",
        responses: { "200": json("provider metadata", { type: "object" }) },
      }),
    },
    "/oauth/authorize": {
      get: operation({
        id: "authorize",
        summary: "OAuth 2.0 authorization endpoint (RFC 6749 4.1.1, PKCE RFC 7636)",
        tag: "oauth",
        auth: "none",
        publicReason:
          "the OAuth authorization endpoint: the user authenticates there (RFC 6749 3.1)",
        parameters: [
          { ...queryParam("client_id", { type: "string" }), required: true },
          { ...queryParam("redirect_uri", { type: "string", format: "uri" }), required: true },
          {
            ...queryParam("response_type", {
              type: "string",
              enum: has("implicit-flow") ? ["code", "token"] : ["code"],
            }),
            required: true,
          },
          queryParam("scope", { type: "string" }),
          { ...queryParam("state", { type: "string" }), required: !has("state-optional") },
          {
            ...queryParam("code_challenge", { type: "string" }),
            required: !has("pkce-optional"),
          },
          queryParam("code_challenge_method", {
            type: "string",
            enum: has("pkce-optional") ? ["S256", "plain"] : ["S256"],
          }),
        ],
        responses: {
          "302": {
            description: "back to the client's redirect_uri, with a code or an error",
            headers: { Location: { schema: { type: "string", format: "uri" } } },
          },
          "400": json("an unknown client or redirect_uri (RFC 6749 4.1.2.1)", ref("OAuthError")),
        },
      }),
    },
    "/.well-known/oauth-authorization-server": {
      get: operation({
        id: "getAuthorizationServerMetadata",
        summary: "OAuth 2.0 authorization server metadata (RFC 8414)",
        tag: "oauth",
        auth: "none",
        publicReason: "discovery metadata that clients read before they authenticate (RFC 8414)",
        responses: { "200": json("server metadata", { type: "object" }) },
      }),
    },
    "/oauth/token": {
      post: operation({
        id: "token",
        summary: "OAuth 2.0 token endpoint (RFC 6749 3.2)",
        tag: "oauth",
        auth: "none",
        publicReason:
          "the OAuth token endpoint: the grant in its body authenticates the call (RFC 6749 3.2)",
        body: { "application/x-www-form-urlencoded": ref("TokenRequest") },
        responses: {
          "200": json("tokens", ref("TokenResponse")),
          "400": json("an OAuth error (RFC 6749 5.2)", ref("OAuthError")),
        },
      }),
    },
    "/api/users": {
      get: operation({
        id: "listUsers",
        summary: "The user directory",
        tag: "users",
        auth: has("unauthenticated-endpoint") ? "none" : "user",
        scopes: ["profile"],
        parameters: paging,
        responses: {
          "200": json("a page of users", ref("UserList")),
          "400": response("BadRequest"),
        },
      }),
    },
    "/api/users/me": {
      get: operation({
        id: "getMe",
        summary: "Your profile",
        tag: "users",
        auth: "user",
        scopes: ["profile"],
        responses: { "200": json("your profile", ref("User")) },
      }),
      patch: operation({
        id: "updateMe",
        summary: "Update your profile (JSON merge patch, RFC 7396)",
        tag: "users",
        auth: "user",
        scopes: ["profile"],
        body: {
          "application/merge-patch+json": ref("UserUpdate"),
          "application/json": ref("UserUpdate"),
        },
        responses: {
          "200": json("the updated profile", ref("User")),
          "400": response("BadRequest"),
        },
      }),
    },
    "/api/users/{id}": {
      get: operation({
        id: "getUser",
        summary: "A user",
        tag: "users",
        auth: "user",
        scopes: ["profile"],
        parameters: [pathParam("id", { type: "string", format: "uuid" })],
        responses: { "200": json("the user", ref("User")), "404": response("NotFound") },
      }),
    },
    "/api/orders": {
      get: operation({
        id: "listOrders",
        summary: "Your orders",
        tag: "orders",
        auth: "user",
        scopes: ["orders:read"],
        parameters: paging,
        responses: { "200": ordersPage, "400": response("BadRequest") },
      }),
      post: operation({
        id: "createOrder",
        summary: "Place an order",
        tag: "orders",
        auth: "user",
        scopes: ["orders:write"],
        body: { "application/json": ref("OrderInput") },
        responses: {
          "201": {
            ...json("the order", ref("Order")),
            headers: { Location: { schema: { type: "string", format: "uri-reference" } } },
          },
          "400": response("BadRequest"),
        },
      }),
    },
    "/api/me/orders": {
      get: operation({
        id: "listMyOrders",
        summary: "Your orders (alias of /api/orders)",
        tag: "orders",
        auth: "user",
        scopes: ["orders:read"],
        parameters: paging,
        responses: { "200": ordersPage, "400": response("BadRequest") },
      }),
    },
    "/api/orders/{id}": {
      parameters: [pathParam("id", orderId)],
      get: operation({
        id: "getOrder",
        summary: "One of your orders",
        tag: "orders",
        auth: "user",
        scopes: ["orders:read"],
        responses: { "200": json("the order", ref("Order")), "404": response("NotFound") },
      }),
      patch: operation({
        id: "updateOrder",
        summary: "Change one of your orders",
        tag: "orders",
        auth: "user",
        scopes: ["orders:write"],
        body: {
          "application/merge-patch+json": ref("OrderUpdate"),
          "application/json": ref("OrderUpdate"),
        },
        responses: {
          "200": json("the order", ref("Order")),
          "400": response("BadRequest"),
          "404": response("NotFound"),
        },
      }),
      delete: operation({
        id: "deleteOrder",
        summary: "Delete one of your orders",
        tag: "orders",
        auth: "user",
        scopes: ["orders:write"],
        responses: { "204": { description: "deleted" }, "404": response("NotFound") },
      }),
    },
    "/api/orders/import": {
      post: operation({
        id: "importOrders",
        summary: "Import orders from an XML or YAML document",
        tag: "orders",
        auth: "user",
        scopes: ["orders:write"],
        body: {
          "application/xml": { type: "string" },
          "text/xml": { type: "string" },
          "application/yaml": { type: "string" },
          "application/x-yaml": { type: "string" },
        },
        responses: {
          "200": json("what was imported", { type: "object" }),
          "400": response("BadRequest"),
        },
      }),
    },
    "/api/reports": {
      post: operation({
        id: "createReport",
        summary: has("slow-sync-work")
          ? "Produce a report (the request waits until it is done)"
          : "Queue a report; poll the Location it answers with",
        tag: "reports",
        auth: "user",
        scopes: ["orders:read"],
        body: { "application/json": ref("ReportRequest") },
        responses: has("slow-sync-work")
          ? { "200": json("the finished report", ref("Report")), "400": response("BadRequest") }
          : {
              "202": {
                ...json("the queued report", ref("Report")),
                headers: { Location: { schema: { type: "string", format: "uri-reference" } } },
              },
              "400": response("BadRequest"),
            },
      }),
    },
    "/api/reports/{id}": {
      get: operation({
        id: "getReport",
        summary: "A report and its progress",
        tag: "reports",
        auth: "user",
        scopes: ["orders:read"],
        parameters: [pathParam("id", { type: "string", format: "uuid" })],
        responses: { "200": json("the report", ref("Report")), "404": response("NotFound") },
      }),
    },
    "/api/files": {
      post: operation({
        id: "uploadFile",
        summary: "Upload a file",
        tag: "files",
        auth: "user",
        scopes: ["profile"],
        body: {
          "multipart/form-data": {
            type: "object",
            required: ["file"],
            properties: {
              file: {
                type: "string",
                contentMediaType: "application/octet-stream",
                // The whole body is refused past BODY_LIMIT_BYTES (413), so the file is too.
                ...(has("unbounded-input") ? {} : { maxLength: BODY_LIMIT_BYTES }),
              },
            },
          },
        },
        responses: {
          "201": json("the stored file", ref("FileInfo")),
          "400": response("BadRequest"),
        },
      }),
    },
    "/api/files/{id}": {
      get: operation({
        id: "getFile",
        summary: "A file's metadata",
        tag: "files",
        auth: "user",
        scopes: ["profile"],
        parameters: [pathParam("id", { type: "string", format: "uuid" })],
        responses: { "200": json("the file", ref("FileInfo")), "404": response("NotFound") },
      }),
    },
    "/api/products": {
      get: operation({
        id: "searchProducts",
        summary: "Search the catalogue",
        tag: "products",
        auth: "none",
        publicReason: "the public catalogue: shoppers browse it without an account",
        parameters: [queryParam("search", { type: "string", maxLength: 100 }), ...paging],
        responses: {
          "200": json("a page of matching products", ref("ProductList")),
          "400": response("BadRequest"),
        },
      }),
    },
    "/search": {
      get: operation({
        id: "searchPage",
        summary: "The shop's search page",
        tag: "products",
        auth: "none",
        publicReason: "the public catalogue's search page: shoppers browse it without an account",
        parameters: [queryParam("q", { type: "string", maxLength: 100 })],
        responses: {
          "200": {
            description: "an HTML page",
            content: { "text/html": { schema: { type: "string" } } },
          },
        },
      }),
    },
    "/admin/users": {
      get: operation({
        id: "adminListUsers",
        summary: "All users, with their status",
        tag: "admin",
        auth: adminAuth,
        scopes: ["admin"],
        parameters: paging,
        responses: {
          "200": json("a page of users", ref("UserList")),
          "400": response("BadRequest"),
        },
      }),
    },
    "/admin/users/{id}/disable": {
      post: operation({
        id: "adminDisableUser",
        summary: "Disable an account",
        tag: "admin",
        auth: adminAuth,
        scopes: ["admin"],
        parameters: [pathParam("id", { type: "string", format: "uuid" })],
        responses: { "200": json("the disabled user", ref("User")), "404": response("NotFound") },
      }),
    },
    "/admin/stats": {
      get: operation({
        id: "adminStats",
        summary: "Shop statistics",
        tag: "admin",
        auth: adminAuth,
        scopes: ["admin"],
        responses: { "200": json("statistics", { type: "object" }) },
      }),
    },
  };
  if (has("user-id-in-path")) {
    paths["/api/users/{id}/orders"] = {
      get: operation({
        id: "listUserOrders",
        summary: "A user's orders",
        tag: "orders",
        auth: "user",
        scopes: ["orders:read"],
        parameters: [pathParam("id", { type: "string", format: "uuid" }), ...paging],
        responses: { "200": ordersPage, "404": response("NotFound") },
      }),
    };
  }

  return {
    openapi: "3.1.0",
    info: {
      title: "Rampart demo shop API",
      version: "1.0.0",
      description:
        "A deliberately vulnerable demo API shipped with Rampart. Never expose it beyond loopback.",
      contact: { email: "security@demo.test" },
    },
    servers: servers.map((url) => ({ url })),
    security: security([]),
    paths,
    components: {
      securitySchemes: schemes,
      schemas: openApiSchemas(context, orderId),
      responses: openApiResponses(!has("no-rate-limit")),
    },
  };
}
