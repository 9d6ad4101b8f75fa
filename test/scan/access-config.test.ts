import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadConfigFile } from "../../src/config.js";
import { scanConfigOptions } from "../../src/scan/identities.js";
import { ROOT, runCli } from "../helpers/cli.js";

test("demo/rampart.yaml validates with rampart checklist --config", async () => {
  const result = await runCli(["checklist", "--config", "demo/rampart.yaml"]);
  assert.equal(result.code, 0, result.stderr);
});

test("demo/rampart.yaml has the login recipe, alice and bob, a lockout account and the OAuth client", () => {
  const { scan } = loadConfigFile(join(ROOT, "demo", "rampart.yaml"));
  assert.equal(scan?.login?.path, "/auth/login");
  assert.deepEqual(
    scan?.identities?.map((i) => i.name),
    ["alice", "bob"],
  );
  assert.equal(scan?.lockout?.username, "carol");
  assert.equal(scan?.oauth?.clientId, "demo-client");
  assert.equal(scan?.oauth?.redirectUri, "https://client.demo.test/callback");
});

test("an identity with neither or both of login and bearer is refused, with its path", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rampart-identities-"));
  const file = join(dir, "rampart.yaml");
  writeFileSync(
    file,
    [
      "scan:",
      "  identities:",
      "    - name: alice",
      "    - name: bob",
      "      bearer: abc",
      "      login: { path: /auth/login, body: {} }",
      "  oauth: { clientId: demo-client, redirectUri: not-a-uri }",
      "",
    ].join("\n"),
  );
  const result = await runCli(["checklist", "--config", file]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /ERR_CONFIG_INVALID/);
  assert.match(result.stderr, /\/scan\/identities\/0/);
  assert.match(result.stderr, /\/scan\/identities\/1/);
  assert.match(result.stderr, /\/scan\/oauth\/redirectUri/);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
});

test("the first identity gives the scan its credentials unless scan.login or --bearer does", () => {
  const alice = { name: "alice", login: { path: "/auth/login", body: { username: "alice" } } };
  const token = { name: "svc", bearer: "t0k3n" };
  assert.deepEqual(scanConfigOptions({ identities: [alice] }, false).login, alice.login);
  assert.equal(scanConfigOptions({ identities: [token] }, false).bearer, "t0k3n");
  const own = { path: "/login", body: {} };
  assert.deepEqual(scanConfigOptions({ login: own, identities: [alice] }, false).login, own);
  assert.equal(scanConfigOptions({ identities: [alice] }, true).login, undefined);
});
