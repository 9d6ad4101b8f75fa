import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, describe, test } from "node:test";
import { buildRouteTable } from "../../src/guard/config/route-table.js";
import type { GuardConfig } from "../../src/guard/config/schema.js";
import { startGuard } from "../../src/guard/server.js";
import { send } from "../helpers/demo-client.js";
import { redisUrlOrSkip, uniquePrefix } from "../helpers/redis.js";
import { logSink, startUpstream } from "./helpers.js";

const TOKEN = "adm1n-t0ken-for-tests-only-4f9c2e";
const TOKEN_HASH = `sha256:${createHash("sha256").update(TOKEN).digest("hex")}`;
const upstreamPromise = startUpstream();
after(async () => (await upstreamPromise).close());

async function startWithAdmin(options: { tokenHash?: string; config?: Partial<GuardConfig> } = {}) {
  const upstream = await upstreamPromise;
  const log = logSink();
  const guard = await startGuard({
    table: buildRouteTable({
      listen: "127.0.0.1:0",
      admin: {
        listen: "127.0.0.1:0",
        ...(options.tokenHash ? { tokenHash: options.tokenHash } : {}),
      },
      upstream: upstream.url,
      routes: [{ path: "/api/data", authentication: "upstream" }],
      ...options.config,
    }),
    log,
    logLevel: "debug",
  });
  return { guard, log };
}

const json = (method: string, body: unknown, token: string | null = TOKEN) => ({
  method,
  headers: {
    "content-type": "application/json",
    ...(token === null ? {} : { authorization: `Bearer ${token}` }),
  },
  body: typeof body === "string" ? body : JSON.stringify(body),
});
const auth = (method: string, token = TOKEN) => ({
  method,
  headers: { authorization: `Bearer ${token}` },
});

describe("admin write endpoints", () => {
  test("without a token hash configured they answer 404 (read-only admin)", async () => {
    const { guard } = await startWithAdmin();
    try {
      const revoke = json("POST", { jti: "a", expiresAt: Date.now() / 1000 + 60 });
      assert.equal((await send(`${guard.adminUrl}/revocations`, revoke)).status, 404);
      assert.equal((await send(`${guard.adminUrl}/bans`, auth("GET"))).status, 404);
      const ban = json("POST", { client: "127.0.0.1", seconds: 60 });
      assert.equal((await send(`${guard.adminUrl}/bans`, ban)).status, 404);
      assert.equal(guard.store.bans.has("127.0.0.1"), false);
      assert.equal((await send(`${guard.adminUrl}/metrics`)).status, 200);
    } finally {
      await guard.close();
    }
  });

  test("revoking needs the token: 401 with a Bearer challenge without it or with a wrong one", async () => {
    const { guard, log } = await startWithAdmin({ tokenHash: TOKEN_HASH });
    try {
      const expiresAt = Math.floor(Date.now() / 1000) + 3600;
      const url = `${guard.adminUrl}/revocations`;
      const missing = await send(url, json("POST", { jti: "jti-1", expiresAt }, null));
      assert.equal(missing.status, 401);
      assert.equal(missing.headers["www-authenticate"], "Bearer");
      assert.equal(missing.headers["cache-control"], "no-store");
      const wrong = await send(url, json("POST", { jti: "jti-1", expiresAt }, `${TOKEN}x`));
      assert.equal(wrong.status, 401);
      assert.match(String(wrong.headers["www-authenticate"]), /^Bearer error="invalid_token"/);
      const basic = await send(url, {
        ...json("POST", { jti: "jti-1", expiresAt }, null),
        headers: { "content-type": "application/json", authorization: `Basic ${TOKEN}` },
      });
      assert.equal(basic.status, 401);
      assert.equal(guard.store.revocations.has("jti-1"), false, "nothing was revoked");

      const ok = await send(url, json("POST", { jti: "jti-1", expiresAt }));
      assert.equal(ok.status, 204);
      assert.equal(guard.store.revocations.has("jti-1"), true);
      const ttl = guard.store.revocations.ttl("jti-1");
      assert.ok(ttl > 3590 && ttl <= 3601, `kept until the token expires (${ttl} s)`);
      const past = await send(url, json("POST", { jti: "jti-2", expiresAt: 1 }));
      assert.equal(past.status, 204);
      assert.equal(guard.store.revocations.ttl("jti-2"), 1, "at least 1 second");
      const far = await send(url, json("POST", { jti: "jti-3", expiresAt: 4_000_000_000 }));
      assert.equal(far.status, 204);
      assert.equal(guard.store.revocations.ttl("jti-3"), 365 * 24 * 3600, "capped at a year");
      assert.ok(!log.text().includes(TOKEN), "the token is never logged");
      assert.match(log.text(), /"event":"admin-revoke","jti":"jti-1"/);
    } finally {
      await guard.close();
    }
  });

  test("malformed requests are refused: bad JSON, not an IP, too large, wrong type or method", async () => {
    const { guard } = await startWithAdmin({ tokenHash: TOKEN_HASH });
    try {
      const bans = `${guard.adminUrl}/bans`;
      const badJson = await send(bans, json("POST", '{"client": "127.0.0.1",'));
      assert.equal(badJson.status, 400);
      assert.equal(badJson.headers["content-type"], "application/json");
      assert.match(badJson.body, /not valid JSON/);
      for (const client of ["localhost", "127.0.0.1/8", "999.1.1.1", "", 2130706433])
        assert.equal((await send(bans, json("POST", { client, seconds: 60 }))).status, 400);
      assert.equal(
        (await send(bans, json("POST", { client: "10.0.0.1", seconds: -5 }))).status,
        400,
      );
      assert.equal((await send(bans, json("POST", ["10.0.0.1"]))).status, 400);
      const huge = { client: "10.0.0.1", seconds: 60, reason: "x".repeat(17 * 1024) };
      assert.equal((await send(bans, json("POST", huge))).status, 413);
      const form = await send(bans, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          authorization: `Bearer ${TOKEN}`,
        },
        body: "client=10.0.0.1&seconds=60",
      });
      assert.equal(form.status, 415);
      const get = await send(`${guard.adminUrl}/revocations`, auth("GET"));
      assert.equal(get.status, 405);
      assert.equal(get.headers.allow, "POST");
      assert.equal((await send(`${bans}/not-an-ip`, auth("DELETE"))).status, 400);
      assert.deepEqual((await send(bans, auth("GET"))).json(), { bans: [] }, "nothing was banned");
    } finally {
      await guard.close();
    }
  });

  test("a ban via POST makes the proxy answer 403 with Retry-After; DELETE lets the client in again", async () => {
    const { guard, log } = await startWithAdmin({ tokenHash: TOKEN_HASH });
    try {
      assert.equal((await send(`${guard.url}/api/data`)).status, 200);
      const other = json("POST", { client: "192.0.2.1", seconds: 600 });
      assert.equal((await send(`${guard.adminUrl}/bans`, other)).status, 204);
      assert.equal((await send(`${guard.url}/api/data`)).status, 200, "another client's ban");

      const ban = json("POST", { client: "127.0.0.1", seconds: 600, reason: "scraping" });
      assert.equal((await send(`${guard.adminUrl}/bans`, ban)).status, 204);
      const blocked = await send(`${guard.url}/api/data`);
      assert.equal(blocked.status, 403);
      const retry = Number(blocked.headers["retry-after"]);
      assert.ok(retry > 590 && retry <= 600, `Retry-After ${retry}`);
      const listed = await send(`${guard.adminUrl}/bans`, auth("GET"));
      assert.equal(listed.status, 200);
      assert.equal(listed.headers["cache-control"], "no-store");
      assert.deepEqual(
        listed.json().bans.find((b: { key: string }) => b.key === "127.0.0.1"),
        { key: "127.0.0.1", seconds: 600, reason: "scraping" },
      );
      assert.equal(
        (await send(`${guard.adminUrl}/bans`)).status,
        401,
        "listing needs the token too",
      );

      const v6 = json("POST", { client: "2001:DB8:0:0::1", seconds: 60 });
      assert.equal((await send(`${guard.adminUrl}/bans`, v6)).status, 204);
      assert.equal(
        guard.store.bans.has("2001:db8::1"),
        true,
        "kept as sockets spell it (RFC 5952)",
      );
      const unban6 = await send(`${guard.adminUrl}/bans/2001%3Adb8%3A%3A1`, auth("DELETE"));
      assert.equal(unban6.status, 204);
      assert.equal(guard.store.bans.has("2001:db8::1"), false);

      assert.equal((await send(`${guard.adminUrl}/bans/127.0.0.1`, auth("DELETE"))).status, 204);
      assert.equal((await send(`${guard.url}/api/data`)).status, 200, "unbanned");
      assert.match(log.text(), /"event":"admin-ban","client":"127.0.0.1"/);
      assert.match(log.text(), /"event":"admin-unban","client":"127.0.0.1"/);
    } finally {
      await guard.close();
    }
  });

  test("a ban posted to one guard blocks the client at another guard on the same Redis", async (t) => {
    const url = await redisUrlOrSkip(t);
    if (url === undefined) return;
    const config = { store: url, storeKeyPrefix: uniquePrefix() };
    const a = await startWithAdmin({ tokenHash: TOKEN_HASH, config });
    const b = await startWithAdmin({ config });
    t.after(() => Promise.all([a.guard.close(), b.guard.close()]));
    assert.equal(a.guard.store.kind, "redis");
    const deadline = Date.now() + 3000;
    while (!(a.guard.store.up && b.guard.store.up) && Date.now() < deadline)
      await new Promise((done) => setTimeout(done, 10));
    const ban = json("POST", { client: "127.0.0.1", seconds: 60 });
    assert.equal((await send(`${a.guard.adminUrl}/bans`, ban)).status, 204);
    let status = 0;
    while (Date.now() < deadline) {
      status = (await send(`${b.guard.url}/api/data`)).status;
      if (status === 403) break;
      await new Promise((done) => setTimeout(done, 10));
    }
    assert.equal(status, 403, "the other guard refuses the banned client");
    assert.equal((await send(`${a.guard.adminUrl}/bans/127.0.0.1`, auth("DELETE"))).status, 204);
    while (Date.now() < deadline && b.guard.store.bans.has("127.0.0.1"))
      await new Promise((done) => setTimeout(done, 10));
    assert.equal(
      (await send(`${b.guard.url}/api/data`)).status,
      200,
      "and lets it in once unbanned",
    );
  });
});
