import { pageSchema } from "./openapi-paging.js";
import type { DemoContext } from "./types.js";

/** A JSON object of the document. */
export type Json = Record<string, unknown>;

/** A reference to a schema of the document's components. */
export const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });

/**
 * The schemas of the demo's OpenAPI document; the flaws show in them (a password hash in User,
 * a writable role in UserUpdate, integer order ids).
 *
 * @example
 * ```ts
 * openApiSchemas(context, { type: "string", format: "uuid" }).User;
 * ```
 */
export function openApiSchemas(context: DemoContext, orderId: Json): Json {
  const text = (maxLength: number): Json => ({ type: "string", minLength: 1, maxLength });
  const user: Json = {
    type: "object",
    required: ["id", "username", "displayName", "email", "role"],
    properties: {
      id: { type: "string", format: "uuid" },
      username: { type: "string" },
      displayName: { type: "string" },
      email: { type: "string", format: "email" },
      role: { type: "string", enum: ["user", "admin"] },
      ...(context.has("password-hash-in-response") ? { passwordHash: { type: "string" } } : {}),
      disabled: { type: "boolean", description: "in the admin views only" },
    },
  };
  return {
    Health: { type: "object", properties: { status: { type: "string", const: "ok" } } },
    Problem: {
      type: "object",
      description: "RFC 9457 problem details",
      properties: {
        type: { type: "string", format: "uri-reference" },
        title: { type: "string" },
        status: { type: "integer" },
        detail: { type: "string" },
        instance: { type: "string", format: "uri-reference" },
        errors: {
          type: "array",
          items: {
            type: "object",
            properties: {
              pointer: { type: "string" },
              parameter: { type: "string" },
              detail: { type: "string" },
            },
          },
        },
      },
    },
    User: user,
    UserList: pageSchema(ref("User")),
    UserUpdate: {
      type: "object",
      additionalProperties: context.has("mass-assignment"),
      properties: {
        displayName: text(100),
        email: { type: "string", format: "email", maxLength: 254 },
        ...(context.has("mass-assignment")
          ? { role: { type: "string", enum: ["user", "admin"] } }
          : {}),
      },
    },
    Order: {
      type: "object",
      required: ["id", "ownerId", "item", "quantity", "status", "createdAt"],
      properties: {
        id: orderId,
        ownerId: { type: "string", format: "uuid" },
        item: text(100),
        quantity: { type: "integer", minimum: 1, maximum: 1000 },
        status: { type: "string", enum: ["open", "shipped", "cancelled"] },
        createdAt: { type: "string", format: "date-time" },
      },
    },
    OrderInput: {
      type: "object",
      additionalProperties: false,
      required: ["item", "quantity"],
      properties: { item: text(100), quantity: { type: "integer", minimum: 1, maximum: 1000 } },
    },
    OrderUpdate: {
      type: "object",
      additionalProperties: false,
      properties: {
        item: text(100),
        quantity: { type: "integer", minimum: 1, maximum: 1000 },
        status: { type: "string", enum: ["open", "cancelled"] },
      },
    },
    OrderList: pageSchema(ref("Order")),
    Product: {
      type: "object",
      required: ["id", "name", "price"],
      properties: {
        id: { type: "integer" },
        name: { type: "string" },
        price: { type: "number" },
      },
    },
    ProductList: pageSchema(ref("Product")),
    ReportRequest: {
      type: "object",
      additionalProperties: false,
      properties: { type: { type: "string", enum: ["orders-summary"] } },
    },
    Report: {
      type: "object",
      required: ["id", "type", "status", "requestedAt"],
      properties: {
        id: { type: "string", format: "uuid" },
        type: { type: "string" },
        status: { type: "string", enum: ["pending", "done"] },
        requestedAt: { type: "string", format: "date-time" },
        result: { type: "object" },
      },
    },
    FileInfo: {
      type: "object",
      properties: {
        id: { type: "string", format: "uuid" },
        filename: { type: "string" },
        contentType: { type: "string" },
        size: { type: "integer" },
        createdAt: { type: "string", format: "date-time" },
      },
    },
    LoginRequest: {
      type: "object",
      required: ["username", "password"],
      properties: { username: text(64), password: { type: "string", format: "password" } },
    },
    RefreshRequest: {
      type: "object",
      required: ["refresh_token"],
      properties: { refresh_token: { type: "string" } },
    },
    TokenRequest: {
      type: "object",
      required: ["grant_type"],
      properties: {
        grant_type: { type: "string", enum: ["authorization_code"] },
        code: { type: "string" },
        redirect_uri: { type: "string", format: "uri" },
        client_id: { type: "string" },
        code_verifier: { type: "string" },
      },
    },
    TokenResponse: {
      type: "object",
      required: ["access_token", "token_type"],
      properties: {
        access_token: { type: "string" },
        token_type: { type: "string", enum: ["Bearer"] },
        expires_in: { type: "integer" },
        refresh_token: { type: "string" },
        scope: { type: "string" },
      },
    },
    OAuthError: {
      type: "object",
      required: ["error"],
      properties: { error: { type: "string" }, error_description: { type: "string" } },
    },
    JwkSet: {
      type: "object",
      required: ["keys"],
      properties: { keys: { type: "array", items: { type: "object" } } },
    },
  };
}

/**
 * The shared responses of the document: RFC 9457 problems, 429 with its headers when throttled.
 *
 * @example
 * ```ts
 * openApiResponses(true).TooManyRequests;
 * ```
 */
export function openApiResponses(rateLimited: boolean): Json {
  const problem = (description: string): Json => ({
    description,
    content: { "application/problem+json": { schema: ref("Problem") } },
  });
  return {
    BadRequest: problem("the request is invalid"),
    Unauthorized: {
      ...problem("credentials are missing or invalid"),
      headers: { "WWW-Authenticate": { schema: { type: "string" } } },
    },
    Forbidden: problem("the caller lacks the role"),
    NotFound: problem("no such resource (or not yours)"),
    ...(rateLimited
      ? {
          TooManyRequests: {
            ...problem("too many requests"),
            headers: {
              "Retry-After": { schema: { type: "integer" } },
              RateLimit: { schema: { type: "string" } },
              "RateLimit-Policy": { schema: { type: "string" } },
            },
          },
        }
      : {}),
  };
}
