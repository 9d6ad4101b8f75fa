import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { DemoApi } from "../../demo/server.js";
import { DEMO_USERS } from "../../demo/store.js";
import {
  bearer,
  demoPool,
  fakeClock,
  jsonRequest,
  login,
  type RawResponse,
  send,
  startDemo,
} from "../helpers/demo-client.js";
import { payloadOf } from "./jwt-forge.js";

/** One demo per flaw selection, shared by the tests of this file. */
const demo = demoPool();

/** A demo of its own, for tests that lock accounts or move the clock. */
async function withDemo(
  flaws: string,
  run: (api: DemoApi) => Promise<void>,
  options: { now?: () => number } = {},
): Promise<void> {
  const api = await startDemo(flaws, options);
  try {
    await run(api);
  } finally {
    await api.close();
  }
}

function postLogin(api: DemoApi, body: unknown, url = api.url): Promise<RawResponse> {
  return send(`${url}/auth/login`, jsonRequest("POST", body));
}

function credentials(user: keyof typeof DEMO_USERS, password?: string) {
  return { username: user, password: password ?? DEMO_USERS[user].password };
}

function me(api: DemoApi, headers: Record<string, string>, query = ""): Promise<RawResponse> {
  return send(`${api.url}/api/users/me${query}`, { headers });
}

function sid(res: RawResponse): string {
  const cookie = String(res.headers["set-cookie"]?.[0] ?? "");
  return /^sid=([^;]*)/.exec(cookie)?.[1] ?? "";
}

describe("POST /auth/login", () => {
  test("good credentials -> 200 token response (HS256 access token, opaque refresh token, no-store)", async () => {
    const api = await demo("none");
    const res = await postLogin(api, credentials("alice"));
    assert.equal(res.status, 200);
    const body = res.json();
    assert.equal(body.token_type, "Bearer");
    assert.equal(body.expires_in, 600);
    assert.equal(body.scope, "orders:read orders:write profile");
    assert.match(body.refresh_token, /^[A-Za-z0-9_-]{43}$/);
    const claims = payloadOf(body.access_token);
    assert.equal(claims.sub, DEMO_USERS.alice.id);
    assert.equal(claims.iss, api.url);
    assert.equal(res.headers["cache-control"], "no-store");
  });

  test("wrong password and unknown user get the same 401 (no user enumeration)", async () => {
    const api = await demo("none");
    const wrong = await postLogin(api, credentials("bob", "not-his-password"));
    const unknown = await postLogin(api, { username: "mallory", password: "whatever" });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.equal(wrong.json().detail, unknown.json().detail);
    assert.equal(wrong.json().detail, "Invalid username or password.");
    assert.equal(wrong.headers["content-type"], "application/problem+json");
    assert.equal(wrong.headers["www-authenticate"], 'Bearer realm="demo"');
  });
});

describe("session cookie: insecure-cookie (EXT-02), predictable-session-id (AUTH-02)", () => {
  test("insecure-cookie off: sid is HttpOnly, SameSite=Strict, Path=/ (no Secure over plain HTTP)", async () => {
    const api = await demo("none");
    const res = await postLogin(api, credentials("alice"));
    const cookie = String(res.headers["set-cookie"]?.[0]);
    assert.match(cookie, /^sid=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
  });

  test("insecure-cookie off: over HTTPS the cookie is Secure too", async () => {
    await withDemoTls(async (api, tlsUrl) => {
      const res = await postLogin(api, credentials("alice"), tlsUrl);
      assert.match(String(res.headers["set-cookie"]?.[0]), /; HttpOnly; SameSite=Strict; Secure$/);
    });
  });

  test("insecure-cookie on: the cookie is just sid=...; Path=/", async () => {
    const api = await demo("insecure-cookie");
    const res = await postLogin(api, credentials("alice"));
    assert.match(String(res.headers["set-cookie"]?.[0]), /^sid=[A-Za-z0-9_-]{43}; Path=\/$/);
  });

  test("the session cookie alone authenticates (and an unknown sid does not)", async () => {
    const api = await demo("none");
    const value = sid(await postLogin(api, credentials("bob")));
    const res = await me(api, { Cookie: `theme=dark; sid=${value}` });
    assert.equal(res.status, 200);
    assert.equal(res.json().username, "bob");
    assert.equal((await me(api, { Cookie: "sid=forged" })).status, 401);
  });

  test("predictable-session-id on: consecutive logins get sess-000001, sess-000002, ... (guessable)", async () => {
    await withDemo("predictable-session-id", async (api) => {
      const first = sid(await postLogin(api, credentials("alice")));
      const second = sid(await postLogin(api, credentials("bob")));
      assert.equal(first, "sess-000001");
      assert.equal(second, "sess-000002");
      // Guessing the next one... and the one before is alice's session.
      const res = await me(api, { Cookie: "sid=sess-000001" });
      assert.equal(res.json().username, "alice");
    });
  });

  test("predictable-session-id off: session ids are 32 random bytes, never repeated", async () => {
    const api = await demo("none");
    const ids = new Set<string>();
    for (let i = 0; i < 3; i++) ids.add(sid(await postLogin(api, credentials("alice"))));
    assert.equal(ids.size, 3);
    for (const id of ids) assert.equal(Buffer.from(id, "base64url").length, 32);
  });
});

describe("no-lockout (AUTH-03)", () => {
  test("no-lockout off: 5 failures lock the username: even the right password -> 429 + Retry-After", async () => {
    await withDemo("none", async (api) => {
      for (let i = 0; i < 5; i++) {
        assert.equal((await postLogin(api, credentials("alice", `guess-${i}`))).status, 401);
      }
      const locked = await postLogin(api, credentials("alice"));
      assert.equal(locked.status, 429);
      assert.equal(locked.headers["retry-after"], "900");
      assert.equal(locked.json().detail, "Too many failed login attempts; try again later.");
      // Other accounts are not affected.
      assert.equal((await postLogin(api, credentials("bob"))).status, 200);
    });
  });

  test("no-lockout off: an unknown username locks the same way, with the same body", async () => {
    await withDemo("none", async (api) => {
      for (let i = 0; i < 5; i++) await postLogin(api, { username: "ghost", password: `g${i}` });
      for (let i = 0; i < 5; i++) await postLogin(api, credentials("alice", `g${i}`));
      const ghost = await postLogin(api, { username: "ghost", password: "x" });
      const alice = await postLogin(api, credentials("alice", "x"));
      assert.equal(ghost.status, 429);
      assert.equal(alice.status, 429);
      assert.deepEqual(ghost.json(), alice.json());
    });
  });

  test("no-lockout off: the lock runs out after 15 min, then one failure locks for 30 min", async () => {
    const clock = fakeClock();
    await withDemo(
      "none",
      async (api) => {
        for (let i = 0; i < 5; i++) await postLogin(api, credentials("alice", `guess-${i}`));
        clock.advance(15 * 60 * 1000 + 1000);
        assert.equal((await postLogin(api, credentials("alice", "still-wrong"))).status, 401);
        const relocked = await postLogin(api, credentials("alice"));
        assert.equal(relocked.status, 429);
        assert.equal(relocked.headers["retry-after"], "1800");
        clock.advance(30 * 60 * 1000 + 1000);
        assert.equal((await postLogin(api, credentials("alice"))).status, 200);
      },
      { now: clock.now },
    );
  });

  test("no-lockout off: a success before the limit resets the counter", async () => {
    await withDemo("none", async (api) => {
      for (let i = 0; i < 4; i++) await postLogin(api, credentials("bob", `guess-${i}`));
      assert.equal((await postLogin(api, credentials("bob"))).status, 200);
      for (let i = 0; i < 4; i++) await postLogin(api, credentials("bob", `again-${i}`));
      assert.equal((await postLogin(api, credentials("bob"))).status, 200);
    });
  });

  test("no-lockout on: 20 failures, then the right password still logs in -> 200", async () => {
    await withDemo("no-lockout", async (api) => {
      for (let i = 0; i < 20; i++) {
        assert.equal((await postLogin(api, credentials("alice", `guess-${i}`))).status, 401);
      }
      assert.equal((await postLogin(api, credentials("alice"))).status, 200);
    });
  });
});

describe("nosql-injection (IN-04)", () => {
  test('nosql-injection on: {"password":{"$ne":null}} logs in as alice -> 200', async () => {
    const api = await demo("nosql-injection");
    const res = await postLogin(api, { username: "alice", password: { $ne: null } });
    assert.equal(res.status, 200);
    assert.equal(payloadOf(res.json().access_token).sub, DEMO_USERS.alice.id);
  });

  test('nosql-injection on: {"$gt":""} gets the admin carol; {"$ne":null} twice gets the first user', async () => {
    const api = await demo("nosql-injection");
    const admin = await postLogin(api, { username: "carol", password: { $gt: "" } });
    assert.equal(payloadOf(admin.json().access_token).sub, DEMO_USERS.carol.id);
    const anyone = await postLogin(api, { username: { $ne: null }, password: { $ne: null } });
    assert.equal(payloadOf(anyone.json().access_token).sub, DEMO_USERS.alice.id);
    const regex = await postLogin(api, { username: { $regex: "^bo" }, password: { $regex: "." } });
    assert.equal(payloadOf(regex.json().access_token).sub, DEMO_USERS.bob.id);
  });

  test("nosql-injection on: an unknown operator reaches the driver -> 500", async () => {
    const api = await demo("nosql-injection");
    const res = await postLogin(api, { username: "alice", password: { $where: "1" } });
    assert.equal(res.status, 500);
  });

  test("nosql-injection off: operator objects -> 400 problem, nobody logged in", async () => {
    const api = await demo("none");
    for (const body of [
      { username: "alice", password: { $ne: null } },
      { username: { $gt: "" }, password: "x" },
      { username: "alice" },
    ]) {
      const res = await postLogin(api, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.headers["content-type"], "application/problem+json");
      assert.equal(res.json().access_token, undefined);
    }
  });
});

describe("basic-auth (AUTH-01)", () => {
  const basic = (user: keyof typeof DEMO_USERS) =>
    `Basic ${Buffer.from(`${user}:${DEMO_USERS[user].password}`).toString("base64")}`;

  test("basic-auth on: Basic credentials read /api/users/me -> 200", async () => {
    const api = await demo("basic-auth");
    const res = await me(api, { Authorization: basic("alice") });
    assert.equal(res.status, 200);
    assert.equal(res.json().username, "alice");
  });

  test('basic-auth on: 401 challenges offer Basic realm="demo" besides Bearer', async () => {
    const api = await demo("basic-auth");
    const res = await me(api, {});
    assert.equal(res.status, 401);
    assert.equal(res.headers["www-authenticate"], 'Basic realm="demo", Bearer realm="demo"');
  });

  test("basic-auth off: correct Basic credentials -> 401, challenge Bearer only (never Basic)", async () => {
    const api = await demo("none");
    const res = await me(api, { Authorization: basic("alice") });
    assert.equal(res.status, 401);
    assert.equal(res.headers["www-authenticate"], 'Bearer realm="demo"');
    assert.match(res.json().detail, /Basic authentication is not supported/);
  });
});

describe("api-key-in-query (IN-05)", () => {
  test("api-key-in-query on: ?api_key=, ?apikey= and ?access_token= are accepted -> 200", async () => {
    const api = await demo("api-key-in-query");
    const key = api.context.store.findUserByUsername("alice")?.apiKey ?? "";
    const token = await login(api, "bob");
    assert.equal((await me(api, {}, `?api_key=${key}`)).json().username, "alice");
    assert.equal((await me(api, {}, `?apikey=${key}`)).json().username, "alice");
    assert.equal((await me(api, {}, `?access_token=${token}`)).json().username, "bob");
  });

  test("api-key-in-query off: credentials in the URL -> 400 problem, not silently ignored", async () => {
    const api = await demo("none");
    const key = api.context.store.findUserByUsername("alice")?.apiKey ?? "";
    for (const query of [
      `?api_key=${key}`,
      `?apikey=${key}`,
      `?access_token=${await login(api, "bob")}`,
    ]) {
      const res = await me(api, {}, query);
      assert.equal(res.status, 400, query);
      assert.match(res.json().detail, /must not be sent in the URL/);
      assert.match(String(res.headers["www-authenticate"]), /error="invalid_request"/);
    }
    // Even alongside valid header credentials.
    const both = await me(api, { "X-API-Key": key }, `?api_key=${key}`);
    assert.equal(both.status, 400);
  });

  test("X-API-Key header -> 200; an unknown key -> 401", async () => {
    const api = await demo("none");
    const key = api.context.store.findUserByUsername("carol")?.apiKey ?? "";
    assert.equal((await me(api, { "X-API-Key": key })).json().username, "carol");
    assert.equal((await me(api, { "X-API-Key": "rk_nope" })).status, 401);
  });
});

describe("disabled accounts", () => {
  test("a disabled user's token, session, API key, refresh token and password all stop working", async () => {
    await withDemo("basic-auth", async (api) => {
      const res = await postLogin(api, credentials("bob"));
      const { access_token, refresh_token } = res.json();
      const user = api.context.store.findUserByUsername("bob");
      assert.ok(user);
      user.disabled = true;
      const basic = `Basic ${Buffer.from(`bob:${DEMO_USERS.bob.password}`).toString("base64")}`;
      for (const headers of [
        bearer(access_token),
        { Cookie: `sid=${sid(res)}` },
        { "X-API-Key": user.apiKey },
        { Authorization: basic },
      ]) {
        assert.equal((await me(api, headers)).status, 401, JSON.stringify(headers));
      }
      const again = await postLogin(api, credentials("bob"));
      assert.equal(again.status, 401);
      assert.equal(again.json().detail, "Invalid username or password.");
      const refresh = await send(`${api.url}/auth/refresh`, jsonRequest("POST", { refresh_token }));
      assert.equal(refresh.status, 401);
    });
  });
});

describe("refresh and logout", () => {
  test("POST /auth/refresh rotates: new tokens; replaying the old refresh token revokes the grant", async () => {
    await withDemo("none", async (api) => {
      const first = (await postLogin(api, credentials("alice"))).json();
      const refreshed = await send(
        `${api.url}/auth/refresh`,
        jsonRequest("POST", { refresh_token: first.refresh_token }),
      );
      assert.equal(refreshed.status, 200);
      const second = refreshed.json();
      assert.notEqual(second.access_token, first.access_token);
      assert.notEqual(second.refresh_token, first.refresh_token);
      assert.equal((await me(api, bearer(second.access_token))).status, 200);
      const replay = await send(
        `${api.url}/auth/refresh`,
        jsonRequest("POST", { refresh_token: first.refresh_token }),
      );
      assert.equal(replay.status, 401);
      // RFC 9700 4.14.2: the reuse revoked the whole grant, the new refresh token included.
      const after = await send(
        `${api.url}/auth/refresh`,
        jsonRequest("POST", { refresh_token: second.refresh_token }),
      );
      assert.equal(after.status, 401);
      assert.equal((await me(api, bearer(second.access_token))).status, 401);
    });
  });

  test("POST /auth/logout -> 204, clears the cookie, revokes token, session and refresh token", async () => {
    await withDemo("none", async (api) => {
      const res = await postLogin(api, credentials("alice"));
      const { access_token, refresh_token } = res.json();
      const cookie = `sid=${sid(res)}`;
      const out = await send(`${api.url}/auth/logout`, {
        method: "POST",
        headers: { ...bearer(access_token), Cookie: cookie },
      });
      assert.equal(out.status, 204);
      assert.match(
        String(out.headers["set-cookie"]?.[0]),
        /^sid=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0$/,
      );
      assert.equal((await me(api, bearer(access_token))).status, 401);
      assert.equal((await me(api, { Cookie: cookie })).status, 401);
      const refresh = await send(`${api.url}/auth/refresh`, jsonRequest("POST", { refresh_token }));
      assert.equal(refresh.status, 401);
    });
  });
});

async function withDemoTls(run: (api: DemoApi, tlsUrl: string) => Promise<void>): Promise<void> {
  const api = await startDemo("none", { tlsPort: 0 });
  try {
    await run(api, api.tlsUrl ?? "");
  } finally {
    await api.close();
  }
}
