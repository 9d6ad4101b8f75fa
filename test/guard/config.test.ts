import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { RampartError } from "../../src/core/errors.js";
import { loadGuard } from "../../src/guard/config/load.js";
import { buildRouteTable } from "../../src/guard/config/route-table.js";
import {
  GUARD_DEFAULTS,
  GuardSchema,
  PolicyOptionsSchema,
  RouteSchema,
} from "../../src/guard/config/schema.js";
import {
  GUARD_POLICIES,
  POLICY_OPTIONS,
  ROUTE_FIELDS,
  ROUTE_POLICIES,
  resolvePolicyOptions,
  resolveRouteFields,
} from "../../src/guard/registry.js";
import { runCli } from "../helpers/cli.js";
import { send } from "../helpers/demo-client.js";
import { guardFor, startUpstream } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "rampart-guard-config-"));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function problemsOf(fn: () => Promise<unknown>) {
  try {
    await fn();
  } catch (error) {
    assert.ok(error instanceof RampartError, String(error));
    return {
      code: error.code,
      problems: error.problems.map((p) => `${p.path}: ${p.message}`),
      error,
    };
  }
  assert.fail("expected an error");
}

describe("guard config", () => {
  test("schema errors are reported all at once, with their paths and lines", async () => {
    const path = file(
      "bad-schema.yaml",
      [
        "guard:",
        "  listen: not-a-listener",
        "  upstream: ftp://x",
        "  colour: blue",
        "  routes:",
        "    - path: /a",
        "      methods: [GET, TRACE]",
        "    - path: b",
        "      bodyLimit: -1",
        "",
      ].join("\n"),
    );
    const { code, problems, error } = await problemsOf(() => loadGuard({ config: path }, dir));
    assert.equal(code, "ERR_CONFIG_INVALID");
    const text = problems.join("\n");
    for (const where of [
      "/guard/listen",
      "/guard/upstream",
      "/guard/colour",
      "/guard/routes/0/methods/1",
      "/guard/routes/1/path",
      "/guard/routes/1/bodyLimit",
    ])
      assert.match(text, new RegExp(`^${where}:`, "m"), where);
    assert.ok(error.problems.every((p) => typeof p.line === "number"));
  });

  test("cross-field errors are reported all at once too", async () => {
    const path = file(
      "bad-refs.yaml",
      [
        "guard:",
        "  upstreams:",
        "    api: { url: 'http://127.0.0.1:3000' }",
        "  trustedProxies: [10.0.0.0/33]",
        "  server: { headersTimeoutMs: 60000, requestTimeoutMs: 1000 }",
        "  routes:",
        "    - { path: /a, upstream: nope }",
        "    - { path: /b, allowFrom: [not-an-ip] }",
        "    - { path: /c, methods: [GET] }",
        "    - { path: /c, methods: [GET] }",
        "  tls: { cert: missing.pem, key: missing.key }",
        "",
      ].join("\n"),
    );
    const { problems } = await problemsOf(() => loadGuard({ config: path }, dir));
    const text = problems.join("\n");
    for (const expected of [
      /\/guard\/routes\/0\/upstream: unknown upstream "nope"/,
      /\/guard\/routes\/1: ip-allow-list: invalid allowFrom entries: not-an-ip/,
      /\/guard\/routes\/3\/methods: GET \/c is declared twice/,
      /\/guard\/trustedProxies\/0: not an address or CIDR range/,
      /\/guard\/server\/headersTimeoutMs: must not exceed requestTimeoutMs/,
      /\/guard\/tls\/cert: no such file/,
      /\/guard\/tls\/key: no such file/,
    ])
      assert.match(text, expected);
  });

  test("a config without an upstream is refused", async () => {
    const { problems } = await problemsOf(async () => buildRouteTable({ routes: [] }));
    assert.match(problems.join("\n"), /missing an upstream/);
  });

  test("the route table is immutable and policy options are resolved once", () => {
    const table = buildRouteTable({
      upstream: "http://127.0.0.1:3000",
      defaults: { bodyLimit: 2048 },
      routes: [{ path: "/a", policies: { json: { maxDepth: 4 } } }],
    });
    const route = table.routes[0];
    assert.ok(
      route && Object.isFrozen(route) && Object.isFrozen(route.spec) && Object.isFrozen(table),
    );
    assert.equal(route.spec.bodyLimit, 2048);
    assert.equal(route.spec.policies.json.maxDepth, 4);
    assert.equal(route.spec.policies.xml.allowDoctype, GUARD_DEFAULTS.policies.xml.allowDoctype);
    assert.equal(route.spec.public, false, "routes are protected unless marked public");
  });

  test("each policy owns its options: the schema, the defaults and the resolution come from the registry", () => {
    const keys: string[] = POLICY_OPTIONS.map((o) => o.key);
    assert.deepEqual(Object.keys(PolicyOptionsSchema.properties), keys);
    assert.deepEqual(Object.keys(GUARD_DEFAULTS.policies), keys);
    for (const options of POLICY_OPTIONS) {
      assert.equal(
        (GUARD_DEFAULTS.policies as Record<string, unknown>)[options.key],
        options.defaults,
      );
      assert.ok(Object.isFrozen(options.defaults), `${options.key}: frozen defaults`);
    }
    // Every route policy with options is listed (the registry refuses to load otherwise).
    for (const policy of ROUTE_POLICIES)
      if (policy.options) assert.ok(keys.includes(policy.options.key), policy.id);
    const base = resolvePolicyOptions(GUARD_DEFAULTS.policies, { debug: { maxBytes: 10 } });
    const route = resolvePolicyOptions(base, { json: { maxDepth: 3 } });
    assert.equal(route.debug.maxBytes, 10, "inherited from defaults");
    assert.equal(route.json.maxDepth, 3);
    assert.equal(route.json.requireValid, GUARD_DEFAULTS.policies.json.requireValid);
    assert.equal(resolvePolicyOptions(base, undefined), base);
  });

  test("the policies' own route keys come from the registry too, in the schema and resolved", () => {
    const defaults = GuardSchema.properties.defaults.properties as Record<string, unknown>;
    for (const field of ROUTE_FIELDS) {
      assert.equal(
        (RouteSchema.properties as Record<string, unknown>)[field.key] !== undefined,
        true,
        field.key,
      );
      assert.equal(defaults[field.key] !== undefined, field.inDefaults, `${field.key} in defaults`);
    }
    const problems: string[] = [];
    const fields = resolveRouteFields(
      { path: "/login", lockout: { username: { json: "/user" } }, scopes: ["a"] },
      { scopes: ["b"], claims: { tier: ["gold"] } },
      (path) => problems.push(path),
    );
    assert.equal(problems.length, 0);
    assert.deepEqual(fields.scopes, ["a"], "the route's own value wins, whole");
    assert.deepEqual(fields.claims, { tier: ["gold"] }, "inherited from defaults");
    assert.equal(fields.lockout?.username.json, "/user");
    assert.equal(fields.limits, undefined);
    resolveRouteFields({ path: "/login", lockout: { username: {} } }, {}, (path) =>
      problems.push(path),
    );
    assert.deepEqual(problems, ["/lockout/username"]);
  });

  test("every registered policy declares checklist items known to the catalog", async () => {
    const { code, stdout } = await runCli(["checklist", "--format", "json"]);
    assert.equal(code, 0);
    const items = JSON.parse(stdout).items as { id: string; coverage: { guard: string[] } }[];
    const guarded = new Set(items.filter((i) => i.coverage?.guard?.length > 0).map((i) => i.id));
    for (const id of [
      "IN-01",
      "IN-02",
      "IN-03",
      "IN-05",
      "ACC-04",
      "ACC-05",
      "PROC-04",
      "PROC-08",
      "OUT-01",
      "OUT-04",
      "OUT-05",
    ])
      assert.ok(guarded.has(id), `${id} covered by a guard policy`);
    assert.ok(GUARD_POLICIES.length >= 15);
  });
});

describe("rampart guard --check", () => {
  test("prints the effective route table and exits 0; flags override the file", async () => {
    const path = file(
      "ok.yaml",
      "guard:\n  upstream: http://127.0.0.1:3000\n  listen: 127.0.0.1:8080\n  routes:\n    - { path: /health, public: true }\n    - { path: '/api/users/:id', methods: [GET, PUT], allowFrom: [10.0.0.0/8] }\n",
    );
    const { code, stdout, stderr } = await runCli([
      "guard",
      "--config",
      path,
      "--listen",
      "127.0.0.1:9999",
      "--check",
    ]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /listen {3}http:\/\/127\.0\.0\.1:9999 {2}\(plain HTTP/);
    assert.match(stdout, /upstream default http:\/\/127\.0\.0\.1:3000/);
    assert.match(stdout, /GET {16}\/health {2}public/);
    assert.match(
      stdout,
      /GET,PUT +\/api\/users\/:id {2}auth-required \(401\).*allowFrom=10\.0\.0\.0\/8/,
    );
  });

  test("an invalid config exits 2 with one line per problem and no stack trace", async () => {
    const path = file(
      "bad.yaml",
      "guard:\n  upstream: nope\n  routes: [{ path: /x, methods: [TRACE] }]\n",
    );
    const { code, stderr } = await runCli(["guard", "--config", path, "--check"]);
    assert.equal(code, 2);
    assert.match(stderr, /^rampart: ERR_CONFIG_INVALID/);
    assert.match(stderr, /\/guard\/upstream/);
    assert.match(stderr, /\/guard\/routes\/0\/methods\/0/);
    assert.doesNotMatch(stderr, /\n\s+at /);
  });

  test("a missing config file exits 2 with ERR_CONFIG_READ", async () => {
    const { code, stderr } = await runCli(["guard", "--config", join(dir, "nope.yaml"), "--check"]);
    assert.equal(code, 2);
    assert.match(stderr, /ERR_CONFIG_READ/);
  });
});

describe("zero-config mode from an OpenAPI document", () => {
  const spec = file(
    "openapi.yaml",
    [
      "openapi: 3.0.3",
      "info: { title: t, version: '1' }",
      "servers: [{ url: 'http://api.example/v1' }]",
      "security: [{ bearer: [] }]",
      "components:",
      "  securitySchemes:",
      "    bearer: { type: http, scheme: bearer }",
      "paths:",
      "  /health:",
      "    get:",
      "      security: []",
      "      responses:",
      "        '200': { description: ok, content: { application/json: { schema: { type: object } } } }",
      "  /orders/{orderId}:",
      "    parameters: [{ name: orderId, in: path, required: true, schema: { type: string } }]",
      "    get:",
      "      responses:",
      "        '200': { description: ok, content: { application/json: { schema: { type: object } } } }",
      "    put:",
      "      requestBody: { content: { application/json: { schema: { type: object } } } }",
      "      responses: { '204': { description: done } }",
      "",
    ].join("\n"),
  );
  const upstreamPromise = startUpstream();
  after(async () => (await upstreamPromise).close());

  test("--check lists the derived routes", async () => {
    const { code, stdout, stderr } = await runCli([
      "guard",
      "--upstream",
      "http://127.0.0.1:3000",
      "--openapi",
      spec,
      "--check",
    ]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /GET +\/v1\/health {2}public/);
    assert.match(
      stdout,
      /GET,PUT +\/v1\/orders\/:orderId {2}auth-required \(401\) {2}accepts=application\/json/,
    );
  });

  test("public operations pass, the others are 401 with WWW-Authenticate: Bearer until identities exist", async () => {
    const upstream = await upstreamPromise;
    const table = await loadGuard(
      { upstream: upstream.url, openapi: spec, listen: "127.0.0.1:0" },
      dir,
    );
    const guard = await guardFor(upstream.url, {});
    guard.swap(table);
    try {
      assert.equal((await send(`${guard.url}/v1/health`)).status, 200);
      const refused = await send(`${guard.url}/v1/orders/7`);
      assert.equal(refused.status, 401);
      assert.equal(refused.headers["content-type"], "application/problem+json");
      assert.match(String(refused.headers["www-authenticate"]), /^Bearer/);
      assert.equal((await send(`${guard.url}/v1/orders/7`, { method: "DELETE" })).status, 405);
      assert.equal((await send(`${guard.url}/v1/nothing`)).status, 404);
      assert.deepEqual(
        upstream.requests.map((r) => r.url),
        ["/v1/health"],
      );
    } finally {
      await guard.close();
    }
  });
});
