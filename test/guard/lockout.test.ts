import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, type TestContext, test } from "node:test";
import { RampartError } from "../../src/core/errors.js";
import { loadGuard } from "../../src/guard/config/load.js";
import type { LockoutConfig } from "../../src/guard/config/lockout-schema.js";
import type { GuardConfig } from "../../src/guard/config/schema.js";
import { send } from "../helpers/demo-client.js";
import {
  guardFor,
  type RecordingUpstream,
  type Reply,
  rawRequest,
  startUpstream,
} from "./helpers.js";

// The fake login upstream: alice/right (or any user with the password "right") logs in; every
// other password is a 401, or, in "body" mode, a 200 whose body says the credentials are wrong.
let upstream: RecordingUpstream;
let failWith: "status" | "body" = "status";
before(async () => {
  upstream = await startUpstream();
});
after(() => upstream.close());

function loginReply(body: string, contentType: string | undefined): Reply {
  const credentials =
    contentType === "application/x-www-form-urlencoded"
      ? Object.fromEntries(new URLSearchParams(body))
      : (JSON.parse(body || "{}") as Record<string, unknown>);
  const json = { "content-type": "application/json" };
  if (credentials.password === "right")
    return { status: 200, headers: json, body: '{"token":"t0ken"}' };
  return failWith === "status"
    ? { status: 401, headers: json, body: '{"error":"invalid credentials"}' }
    : { status: 200, headers: json, body: '{"error":"invalid credentials"}' };
}

type Guard = Awaited<ReturnType<typeof guardFor>>;

/** A fresh guard (fresh memory store) with one JSON login route and one form login route. */
async function loginGuard(
  t: TestContext,
  lockout: Partial<LockoutConfig> = {},
  extra: Partial<GuardConfig> = {},
): Promise<Guard> {
  upstream.reset();
  failWith = "status";
  upstream.reply = (r) => loginReply(r.body, r.headers["content-type"]);
  const guard = await guardFor(upstream.url, {
    admin: { listen: "127.0.0.1:0" },
    routes: [
      {
        path: "/login",
        methods: ["POST"],
        public: true,
        accepts: ["application/json", "application/x-www-form-urlencoded"],
        lockout: { username: { json: "/username" }, ...lockout },
      },
      {
        path: "/form-login",
        methods: ["POST"],
        public: true,
        accepts: ["application/x-www-form-urlencoded"],
        lockout: { ...lockout, username: { form: "username" } },
      },
    ],
    ...extra,
  });
  t.after(() => guard.close());
  return guard;
}

function login(
  guard: Guard,
  username: unknown,
  password: string,
  headers: Record<string, string> = {},
) {
  return send(`${guard.url}/login`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ username, password }),
  });
}

function formLogin(guard: Guard, body: string) {
  return send(`${guard.url}/form-login`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body,
  });
}

async function statuses(attempts: (() => Promise<{ status: number }>)[]): Promise<number[]> {
  const out: number[] = [];
  for (const attempt of attempts) out.push((await attempt()).status);
  return out;
}

const times = <T>(n: number, make: (i: number) => T): T[] =>
  Array.from({ length: n }, (_, i) => make(i));

async function metricsText(guard: Guard): Promise<string> {
  return (await send(`${guard.adminUrl}/metrics`)).body;
}

describe("login lockout (AUTH-03)", () => {
  test("five wrong passwords, then the right one: 429 with Retry-After, the upstream never sees the sixth", async (t) => {
    const guard = await loginGuard(t);
    const wrong = await statuses(times(5, () => () => login(guard, "alice", "wrong")));
    assert.deepEqual(wrong, [401, 401, 401, 401, 401]);
    const sixth = await login(guard, "alice", "right");
    assert.equal(sixth.status, 429);
    assert.equal(sixth.headers["content-type"], "application/problem+json");
    assert.equal(sixth.headers["retry-after"], "60");
    assert.equal(sixth.json().title, "Too Many Requests");
    assert.equal(upstream.requests.length, 5);
    const metrics = await metricsText(guard);
    assert.match(metrics, /rampart_guard_lockouts_total\{route="\/login"\} 1/);
    assert.match(metrics, /rampart_guard_blocks_total\{policy="login-lockout",item="AUTH-03"\} 1/);
    const lockout = guard.log.lines.find((l) => l.event === "lockout");
    assert.ok(lockout, "a lockout log line");
    assert.equal(lockout.seconds, 60);
    assert.doesNotMatch(guard.log.text(), /alice/i, "no username in the logs");
  });

  test("a different username from the same address is not jailed (until the per-address total)", async (t) => {
    const guard = await loginGuard(t, { maxFailuresPerIp: 7 });
    await statuses(times(5, () => () => login(guard, "alice", "wrong")));
    assert.equal((await login(guard, "alice", "right")).status, 429);
    assert.equal((await login(guard, "bob", "right")).status, 200);
    assert.deepEqual(await statuses([() => login(guard, "bob", "wrong")]), [401]);
    assert.deepEqual(await statuses([() => login(guard, "carol", "wrong")]), [401]);
    // 7 failures from this address now: every username is refused, a right password too.
    const refused = await login(guard, "dave", "right");
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers["retry-after"]) > 86_000, "the rest of the address window");
    assert.equal(upstream.requests.length, 8);
  });

  test("the lockout answer does not reveal whether the user exists", async (t) => {
    const guard = await loginGuard(t);
    // alice exists upstream, ghost does not: the upstream answers 401 to both alike here.
    for (const user of ["alice", "ghost"])
      await statuses(times(5, () => () => login(guard, user, "wrong")));
    const raw = (user: string) => {
      const body = JSON.stringify({ username: user, password: "right" });
      return rawRequest(
        guard.url,
        `POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      );
    };
    const known = await raw("alice");
    const unknown = await raw("ghost");
    assert.equal(known.status, 429);
    // Only the per-request correlation id and the clock may differ.
    const same = (text: string) =>
      text
        .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<id>")
        .replace(/^Date: .*$/m, "Date: <now>");
    assert.equal(same(unknown.text), same(known.text));
    assert.match(known.text, /Retry-After: 60\r\n/);
  });

  test("a success resets the consecutive counter (4 failures, success, 4 failures: not jailed)", async (t) => {
    const guard = await loginGuard(t);
    const seen = await statuses([
      ...times(4, () => () => login(guard, "alice", "wrong")),
      () => login(guard, "alice", "right"),
      ...times(4, () => () => login(guard, "alice", "wrong")),
      () => login(guard, "alice", "right"),
    ]);
    assert.deepEqual(seen, [401, 401, 401, 401, 200, 401, 401, 401, 401, 200]);
    assert.equal(upstream.requests.length, 10);
  });

  test("a growing jail: the second jail lasts `growth` times the first", async (t) => {
    const guard = await loginGuard(t, { maxConsecutiveFailures: 2, jailSeconds: 10, growth: 3 });
    t.mock.timers.enable({ apis: ["Date"], now: Date.now() });
    await statuses(times(2, () => () => login(guard, "alice", "wrong")));
    const first = await login(guard, "alice", "right");
    assert.equal(first.headers["retry-after"], "10");
    t.mock.timers.tick(10_001);
    assert.deepEqual(
      await statuses(times(2, () => () => login(guard, "alice", "wrong"))),
      [401, 401],
      "free again once the first jail is over",
    );
    const second = await login(guard, "alice", "right");
    assert.equal(second.status, 429);
    assert.equal(second.headers["retry-after"], "30");
    t.mock.timers.tick(30_001);
    assert.equal((await login(guard, "alice", "right")).status, 200);
  });

  test("the jail never exceeds maxJailSeconds", async (t) => {
    const guard = await loginGuard(t, {
      maxConsecutiveFailures: 1,
      jailSeconds: 10,
      growth: 10,
      maxJailSeconds: 50,
    });
    t.mock.timers.enable({ apis: ["Date"], now: Date.now() });
    await login(guard, "alice", "wrong");
    assert.equal((await login(guard, "alice", "wrong")).headers["retry-after"], "10");
    t.mock.timers.tick(10_001);
    await login(guard, "alice", "wrong");
    assert.equal((await login(guard, "alice", "wrong")).headers["retry-after"], "50");
  });

  test("body matcher: a 200 with the failure body counts, a 200 with a token does not", async (t) => {
    const guard = await loginGuard(t, {
      maxConsecutiveFailures: 2,
      failure: { bodyMatches: "invalid credentials" },
    });
    failWith = "body";
    const ok = await statuses(times(3, () => () => login(guard, "bob", "right")));
    assert.deepEqual(ok, [200, 200, 200], "token answers never jail");
    const first = await login(guard, "alice", "wrong");
    assert.equal(first.status, 200);
    assert.equal(first.body, '{"error":"invalid credentials"}', "the body passes unaltered");
    await login(guard, "alice", "wrong");
    const third = await login(guard, "alice", "right");
    assert.equal(third.status, 429);
    assert.equal(upstream.requests.length, 5);
  });

  test("a body without a username counts against the address only", async (t) => {
    const guard = await loginGuard(t, { maxFailuresPerIp: 3, maxConsecutiveFailures: 1 });
    const seen = await statuses([
      ...times(3, () => () => login(guard, undefined, "wrong")),
      () => login(guard, "bob", "right"),
    ]);
    assert.deepEqual(seen, [401, 401, 401, 429]);
    assert.equal(upstream.requests.length, 3);
  });

  test("an upstream error is no failed login: it neither counts nor jails", async (t) => {
    const guard = await loginGuard(t, { maxConsecutiveFailures: 2, maxFailuresPerIp: 2 });
    upstream.reply = () => ({
      status: 500,
      headers: { "content-type": "application/json" },
      body: '{"error":"down"}',
    });
    const seen = await statuses(times(4, () => () => login(guard, "alice", "wrong")));
    assert.ok(
      seen.every((s) => s >= 500 && s !== 503),
      `answered as upstream errors: ${seen}`,
    );
    assert.equal(upstream.requests.length, 4);
    upstream.reply = (r) => loginReply(r.body, r.headers["content-type"]);
    assert.equal((await login(guard, "alice", "right")).status, 200);
  });
});

describe("login lockout bypass attempts", () => {
  test("username case and surrounding spaces do not reset the counter", async (t) => {
    const guard = await loginGuard(t);
    const names = ["alice", "ALICE", " Alice ", "\uff41\uff4c\uff49\uff43\uff45", "aLiCe\t"];
    assert.deepEqual(
      await statuses(names.map((n) => () => login(guard, n, "wrong"))),
      [401, 401, 401, 401, 401],
    );
    assert.equal((await login(guard, "alice", "right")).status, 429);
  });

  test("a duplicate JSON key is refused (the guard and the upstream could read different names)", async (t) => {
    const guard = await loginGuard(t);
    for (const body of [
      '{"username":"alice","username":"bob","password":"wrong"}',
      '{"username":"alice","\\u0075sername":"bob","password":"wrong"}',
    ]) {
      const res = await send(`${guard.url}/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      assert.equal(res.status, 400, body);
      assert.match(res.json().detail, /duplicate member name/);
    }
    assert.equal(upstream.requests.length, 0);
    // Detection both ways: the same name twice in different objects is no duplicate.
    const nested = await send(`${guard.url}/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"username":"alice","password":"right","device":{"username":"x"}}',
    });
    assert.equal(nested.status, 200);
  });

  test("a username that is not a string is refused, not skipped", async (t) => {
    const guard = await loginGuard(t);
    assert.equal((await login(guard, ["alice"], "wrong")).status, 400);
    assert.equal((await login(guard, { $ne: "" }, "wrong")).status, 400);
    assert.equal(upstream.requests.length, 0);
  });

  test("X-Forwarded-For from an untrusted peer does not reset the per-address counter", async (t) => {
    const guard = await loginGuard(t, { maxFailuresPerIp: 3 });
    const seen = await statuses([
      ...times(
        3,
        (i) => () => login(guard, `user${i}`, "wrong", { "x-forwarded-for": `203.0.113.${i}` }),
      ),
      () => login(guard, "bob", "right", { "x-forwarded-for": "198.51.100.7" }),
    ]);
    assert.deepEqual(seen, [401, 401, 401, 429]);
  });

  test("rotating IPv6 addresses within one /64 does not reset the per-address counter", async (t) => {
    const guard = await loginGuard(t, { maxFailuresPerIp: 3 }, { trustedProxies: ["127.0.0.1"] });
    const from = (ip: string) => ({ "x-forwarded-for": ip });
    const seen = await statuses([
      () => login(guard, "u1", "wrong", from("2001:db8:0:1::1")),
      () => login(guard, "u2", "wrong", from("2001:db8:0:1:ffff::2")),
      () => login(guard, "u3", "wrong", from("2001:db8:0:1:1:2:3:4")),
      () => login(guard, "bob", "right", from("2001:db8:0:1::99")),
    ]);
    assert.deepEqual(seen, [401, 401, 401, 429]);
    // Detection both ways: the next /64, and an IPv4 client, are other addresses.
    assert.equal((await login(guard, "bob", "right", from("2001:db8:0:2::1"))).status, 200);
    assert.equal((await login(guard, "bob", "right", from("192.0.2.1"))).status, 200);
  });

  test("form-encoded body with the username percent-encoded", async (t) => {
    const guard = await loginGuard(t, { maxConsecutiveFailures: 3 });
    const seen = await statuses([
      () => formLogin(guard, "username=alice&password=wrong"),
      () => formLogin(guard, "username=%41lice&password=wrong"),
      () => formLogin(guard, "username=%61%6C%69%63%65+&password=wrong"),
      () => formLogin(guard, "username=alice&password=right"),
    ]);
    assert.deepEqual(seen, [401, 401, 401, 429]);
  });

  test("a repeated form field is refused", async (t) => {
    const guard = await loginGuard(t);
    const res = await formLogin(guard, "username=alice&username=bob&password=wrong");
    assert.equal(res.status, 400);
    assert.equal(upstream.requests.length, 0);
  });

  test("a form body on a route that reads the username from JSON is refused", async (t) => {
    const guard = await loginGuard(t);
    const res = await send(`${guard.url}/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "username=alice&password=wrong",
    });
    assert.equal(res.status, 415);
    assert.equal(upstream.requests.length, 0);
  });

  test("parallel attempts cannot race past the limit", async (t) => {
    const guard = await loginGuard(t);
    const reply = upstream.reply;
    upstream.reply = async (r) => {
      await new Promise((done) => setTimeout(done, 100));
      return reply(r);
    };
    const seen = await Promise.all(times(20, () => login(guard, "alice", "wrong")));
    const counts = seen.reduce<Record<number, number>>((n, r) => {
      n[r.status] = (n[r.status] ?? 0) + 1;
      return n;
    }, {});
    assert.deepEqual(counts, { 401: 5, 429: 15 });
    assert.equal(upstream.requests.length, 5);
    assert.equal((await login(guard, "alice", "right")).status, 429, "jailed afterwards");
  });
});

describe("login lockout store failures (memory store that fails)", () => {
  for (const mode of ["closed", "open"] as const)
    test(`onStoreError ${mode}: ${mode === "closed" ? "503 problem, never a silent 401" : "logins pass"}; counted in metrics and logs`, async (t) => {
      const guard = await loginGuard(t, { onStoreError: mode });
      const limiter = guard.store.limiter.bind(guard.store);
      // A store whose counters all reject, as a Redis store does while Redis is down.
      t.mock.method(guard.store, "limiter", (options: Parameters<typeof limiter>[0]) => {
        const real = limiter({ ...options, keyPrefix: `broken:${options.keyPrefix}` });
        for (const name of ["penalty", "reward", "get", "delete", "block"] as const)
          t.mock.method(real, name, () => Promise.reject(new Error("store down")));
        return real;
      });
      const res = await login(guard, "alice", "wrong");
      if (mode === "closed") {
        assert.equal(res.status, 503);
        assert.equal(res.headers["content-type"], "application/problem+json");
        assert.equal(res.json().detail, "Login attempts cannot be checked right now.");
        assert.equal(upstream.requests.length, 0);
      } else {
        assert.equal(res.status, 401);
        assert.equal(upstream.requests.length, 1);
      }
      const metrics = await metricsText(guard);
      assert.match(
        metrics,
        new RegExp(
          `rampart_guard_store_errors_total\\{policy="login-lockout",outcome="${mode}"\\} \\d`,
        ),
      );
      assert.ok(guard.log.lines.some((l) => l.event === "store-error" && l.outcome === mode));
    });
});

describe("login lockout config", () => {
  test("schema problems of a lockout are reported with their paths", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rampart-lockout-"));
    const path = join(dir, "rampart.yaml");
    writeFileSync(
      path,
      [
        "guard:",
        "  upstream: http://127.0.0.1:9",
        "  routes:",
        "    - path: /d",
        "      methods: [POST]",
        "      public: true",
        "      lockout: { username: { json: user }, colour: red }",
        "",
      ].join("\n"),
    );
    let error: unknown;
    try {
      await loadGuard({ config: path }, dir);
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof RampartError, String(error));
    assert.equal(error.code, "ERR_CONFIG_INVALID");
    const text = error.problems.map((p) => `${p.path}: ${p.message}`).join("\n");
    for (const [where, what] of [
      ["/guard/routes/0/lockout/username/json", /JSON pointer/],
      ["/guard/routes/0/lockout/colour", /./],
    ] as const)
      assert.match(text, new RegExp(`^${where}: .*${what.source}`, "m"), where);
  });

  test("cross-field lockout problems are reported with their paths", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rampart-lockout-"));
    const path = join(dir, "rampart.yaml");
    writeFileSync(
      path,
      [
        "guard:",
        "  upstream: http://127.0.0.1:9",
        "  routes:",
        "    - path: /a",
        "      public: true",
        "      lockout: { username: { json: /username } }",
        "    - path: /b",
        "      methods: [POST]",
        "      public: true",
        "      lockout: { username: { form: user } }",
        "    - path: /c",
        "      methods: [POST]",
        "      public: true",
        "      lockout:",
        "        username: {}",
        "        failure: { bodyMatches: '(' }",
        "        jailSeconds: 600",
        "        maxJailSeconds: 60",
        "",
      ].join("\n"),
    );
    let error: unknown;
    try {
      await loadGuard({ config: path }, dir);
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof RampartError, String(error));
    const text = error.problems.map((p) => `${p.path}: ${p.message}`).join("\n");
    for (const [where, what] of [
      ["/guard/routes/0", /login-lockout: .*POST, PUT or PATCH/],
      ["/guard/routes/1", /login-lockout: .*application\/x-www-form-urlencoded/],
      ["/guard/routes/2/lockout/username", /needs exactly one of json/],
      ["/guard/routes/2/lockout/failure/bodyMatches", /not a regular expression/],
      ["/guard/routes/2/lockout/maxJailSeconds", /must be at least jailSeconds \(600\)/],
    ] as const)
      assert.match(text, new RegExp(`^${where}: ${what.source}`, "m"), where);
  });
});
