import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { DemoApi } from "../../demo/server.js";
import { send, startDemo } from "../helpers/demo-client.js";

type Json = Record<string, unknown>;

const DESIGN_FLAWS = [
  "basic-auth",
  "api-key-in-query",
  "implicit-flow",
  "sequential-ids",
  "user-id-in-path",
  "unauthenticated-endpoint",
  "password-hash-in-response",
  "no-rate-limit",
  "admin-exposed",
  "mass-assignment",
  "unbounded-input",
  "slow-sync-work",
  "plain-http",
];

describe("meta: security.txt, static files, OpenAPI, OpenID metadata", () => {
  let hardened: DemoApi;
  let flawed: DemoApi;
  before(async () => {
    [hardened, flawed] = await Promise.all([
      startDemo("none"),
      startDemo(["no-security-txt", "directory-listing", ...DESIGN_FLAWS]),
    ]);
  });
  after(() => Promise.all([hardened.close(), flawed.close()]));

  test("no-security-txt off: /.well-known/security.txt is a valid RFC 9116 file", async () => {
    const res = await send(`${hardened.url}/.well-known/security.txt`);
    assert.equal(res.status, 200);
    assert.equal(res.headers["content-type"], "text/plain; charset=utf-8");
    const fields = new Map(
      res.body
        .split("\n")
        .filter((line) => line !== "" && !line.startsWith("#"))
        .map((line) => [
          line.slice(0, line.indexOf(":")),
          line.slice(line.indexOf(":") + 1).trim(),
        ]),
    );
    assert.equal(fields.get("Contact"), "mailto:security@demo.test");
    assert.equal(fields.get("Preferred-Languages"), "en");
    assert.equal(fields.get("Canonical"), `${hardened.url}/.well-known/security.txt`);
    const expires = String(fields.get("Expires"));
    assert.match(expires, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const ahead = Date.parse(expires) - Date.now();
    assert.ok(ahead > 300 * 24 * 3600 * 1000 && ahead <= 365 * 24 * 3600 * 1000);
  });

  test("no-security-txt on: /.well-known/security.txt answers 404", async () => {
    assert.equal((await send(`${flawed.url}/.well-known/security.txt`)).status, 404);
  });

  test("directory-listing on: GET /static/ answers an autoindex page listing the files", async () => {
    const res = await send(`${flawed.url}/static/`);
    assert.equal(res.status, 200);
    assert.equal(res.headers["content-type"], "text/html; charset=utf-8");
    assert.match(res.body, /<title>Index of \/static\/<\/title>/);
    for (const name of ["db-backup-2024.sql.txt", "logo.txt", "terms.txt"]) {
      assert.match(res.body, new RegExp(`<a href="${name.replaceAll(".", "\\.")}">`));
    }
  });

  test("directory-listing off: GET /static/ answers 404", async () => {
    assert.equal((await send(`${hardened.url}/static/`)).status, 404);
  });

  test("static files are served in both modes, with their content type", async () => {
    for (const api of [hardened, flawed]) {
      const res = await send(`${api.url}/static/db-backup-2024.sql.txt`);
      assert.equal(res.status, 200);
      assert.equal(res.headers["content-type"], "text/plain; charset=utf-8");
      assert.match(res.body, /CREATE TABLE users/);
    }
  });

  test("static files: no way out of the folder, no dot files", async () => {
    for (const path of [
      "/static/..%2Fstore.js",
      "/static/%2e%2e%2fstore.js",
      "/static/.env",
      "/static/nope.txt",
    ]) {
      assert.equal((await send(`${hardened.url}${path}`)).status, 404, path);
    }
  });

  test("GET / names the API and its document", async () => {
    const res = await send(`${hardened.url}/`);
    assert.equal(res.status, 200);
    assert.equal(res.json().openapi, "/openapi.json");
  });

  test("OpenAPI, hardened: bearer JWT, API key in a header, code flow only, UUID order ids", async () => {
    const res = await send(`${hardened.url}/openapi.json`);
    assert.equal(res.status, 200);
    const doc = res.json();
    assert.equal(doc.openapi, "3.1.0");
    assert.deepEqual(doc.servers, [{ url: hardened.url }]);
    const schemes = doc.components.securitySchemes;
    assert.deepEqual(schemes.bearerAuth, { type: "http", scheme: "bearer", bearerFormat: "JWT" });
    assert.deepEqual(schemes.apiKeyAuth, { type: "apiKey", in: "header", name: "X-API-Key" });
    assert.equal(schemes.basicAuth, undefined);
    assert.deepEqual(Object.keys(schemes.oauth2.flows), ["authorizationCode"]);
    assert.equal(
      schemes.oauth2.flows.authorizationCode.authorizationUrl,
      `${hardened.url}/oauth/authorize`,
    );
    assert.equal(schemes.oauth2.flows.authorizationCode.tokenUrl, `${hardened.url}/oauth/token`);
    assert.deepEqual(Object.keys(schemes.oauth2.flows.authorizationCode.scopes), [
      "orders:read",
      "orders:write",
      "profile",
      "admin",
    ]);
    assert.deepEqual(doc.paths["/api/orders/{id}"].parameters[0].schema, {
      type: "string",
      format: "uuid",
    });
    assert.equal(doc.paths["/api/users/{id}/orders"], undefined);
    assert.notDeepEqual(doc.paths["/api/users"].get.security, []);
    assert.notDeepEqual(doc.paths["/admin/users"].get.security, []);
    assert.equal(doc.components.schemas.User.properties.passwordHash, undefined);
    assert.ok(doc.paths["/api/orders"].get.responses["429"]);
    assert.equal(doc.paths["/api/orders"].get.parameters[0].schema.maximum, 100);
  });

  test("OpenAPI, flawed: the document shows the design flaws", async () => {
    const doc = (await send(`${flawed.url}/openapi.json`)).json();
    const schemes = doc.components.securitySchemes;
    assert.deepEqual(schemes.basicAuth, { type: "http", scheme: "basic" });
    assert.deepEqual(schemes.apiKeyAuth, { type: "apiKey", in: "query", name: "api_key" });
    assert.deepEqual(Object.keys(schemes.oauth2.flows), ["authorizationCode", "implicit"]);
    assert.equal(doc.paths["/api/orders/{id}"].parameters[0].schema.type, "integer");
    assert.equal(doc.components.schemas.Order.properties.id.type, "integer");
    assert.ok(doc.paths["/api/users/{id}/orders"].get);
    assert.deepEqual(doc.paths["/api/users"].get.security, []);
    assert.deepEqual(doc.paths["/admin/users"].get.security, []);
    assert.deepEqual(doc.components.schemas.User.properties.passwordHash, { type: "string" });
    assert.equal(doc.paths["/api/orders"].get.responses["429"], undefined);
    assert.equal(doc.components.responses.TooManyRequests, undefined);
  });

  test("OpenAPI: refs resolve, path parameters are declared, operation ids and schemes exist", async () => {
    for (const api of [hardened, flawed]) {
      const doc = (await send(`${api.url}/openapi.json`)).json();
      const text = JSON.stringify(doc);
      for (const [, pointer] of text.matchAll(/"\$ref":"#\/([^"]+)"/g)) {
        const target = String(pointer)
          .split("/")
          .reduce((node: Record<string, unknown> | undefined, key) => node?.[key] as never, doc);
        assert.ok(target, `unresolved $ref #/${pointer}`);
      }
      const ids = new Set<string>();
      const schemes = Object.keys(doc.components.securitySchemes);
      for (const [path, item] of Object.entries<Record<string, Json>>(doc.paths)) {
        const declared = (item.parameters as Json[] | undefined) ?? [];
        for (const [method, op] of Object.entries(item).filter(([k]) => k !== "parameters")) {
          const params = [...declared, ...((op.parameters as Json[] | undefined) ?? [])];
          for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) {
            const param = params.find((p) => p.name === name && p.in === "path");
            assert.equal(param?.required, true, `${method} ${path}: path parameter ${name}`);
          }
          assert.ok(!ids.has(String(op.operationId)), `duplicate ${op.operationId}`);
          ids.add(String(op.operationId));
          for (const response of Object.values(op.responses as Record<string, Json>)) {
            assert.ok(
              response.$ref || response.description,
              `${method} ${path}: response description`,
            );
          }
          for (const requirement of (op.security as Json[] | undefined) ?? []) {
            for (const name of Object.keys(requirement)) assert.ok(schemes.includes(name), name);
          }
        }
      }
    }
  });

  test("OpenAPI: /v3/api-docs serves the same document", async () => {
    const a = (await send(`${hardened.url}/openapi.json`)).json();
    const b = (await send(`${hardened.url}/v3/api-docs`)).json();
    assert.deepEqual(a, b);
  });

  test("OpenAPI: every documented operation is routed (OPTIONS lists its method)", async () => {
    for (const api of [hardened, flawed]) {
      const doc = (await send(`${api.url}/openapi.json`)).json();
      for (const [path, item] of Object.entries<Record<string, unknown>>(doc.paths)) {
        const concrete = path.replaceAll(/\{[^}]+\}/g, "x");
        const res = await send(`${api.url}${concrete}`, { method: "OPTIONS" });
        assert.equal(res.status, 204, `OPTIONS ${path}`);
        for (const method of Object.keys(item).filter((k) => k !== "parameters")) {
          assert.ok(
            String(res.headers.allow).split(", ").includes(method.toUpperCase()),
            `${method} ${path}`,
          );
        }
      }
    }
  });

  test("OpenID metadata: issuer, endpoints, JWKS; code only unless implicit-flow", async () => {
    const hardenedMeta = (await send(`${hardened.url}/.well-known/openid-configuration`)).json();
    assert.equal(hardenedMeta.issuer, hardened.url);
    assert.equal(hardenedMeta.authorization_endpoint, `${hardened.url}/oauth/authorize`);
    assert.equal(hardenedMeta.token_endpoint, `${hardened.url}/oauth/token`);
    assert.equal(hardenedMeta.jwks_uri, `${hardened.url}/.well-known/jwks.json`);
    assert.deepEqual(hardenedMeta.response_types_supported, ["code"]);
    assert.deepEqual(hardenedMeta.code_challenge_methods_supported, ["S256"]);
    const flawedMeta = (await send(`${flawed.url}/.well-known/openid-configuration`)).json();
    assert.deepEqual(flawedMeta.response_types_supported, ["code", "token"]);
  });
});
