import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, beforeEach, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { SignJWT } from "jose";
import pino from "pino";
import { buildRouteTable } from "../../src/guard/config/route-table.js";
import type { GuardConfig } from "../../src/guard/config/schema.js";
import { createDetector } from "../../src/guard/detect/detector.js";
import { type DetectionConfig, resolveDetection } from "../../src/guard/detect/schema.js";
import { createMetrics } from "../../src/guard/ops/metrics.js";
import type { Observation } from "../../src/guard/policy.js";
import type { GuardStore, SharedSet } from "../../src/guard/stores/store.js";
import { send } from "../helpers/demo-client.js";
import { guardFor, logSink, type RecordingUpstream, startUpstream } from "./helpers.js";

const ISSUER = "https://issuer.test";
const AUD = "orders-api";
const secret = randomBytes(48).toString("base64url");

let upstream: RecordingUpstream;
before(async () => {
  upstream = await startUpstream();
});
after(() => upstream.close());
beforeEach(() => upstream.reset());

const ROUTES = [{ path: "/api/items", public: true }, { path: "/api/orders" }];
const AUTH: GuardConfig["auth"] = {
  issuers: [{ name: "hs", issuer: ISSUER, audience: AUD, algorithms: ["HS256"], key: { secret } }],
};

function guardWith(detection: DetectionConfig) {
  return guardFor(upstream.url, {
    routes: ROUTES,
    auth: AUTH,
    admin: { listen: "127.0.0.1:0" },
    detection,
  });
}

async function probe(base: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await send(`${base}/cgi-bin/probe${i}`);
}

/** The value of one metric sample in Prometheus text, 0 when absent. */
async function metric(guard: { adminUrl: string | undefined }, series: string): Promise<number> {
  const text = (await send(`${guard.adminUrl}/metrics`)).body;
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

async function until(check: () => Promise<boolean>, ms = 4000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail("timed out waiting");
    await sleep(25);
  }
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const now = () => Math.floor(Date.now() / 1000);

function algNone(): string {
  const claims = { iss: ISSUER, aud: AUD, sub: "admin", iat: now(), exp: now() + 60 };
  return `${b64({ alg: "none", typ: "JWT" })}.${b64(claims)}.`;
}

function expired(): Promise<string> {
  return new SignJWT({ iss: ISSUER, aud: AUD, sub: "alice", iat: now() - 600, exp: now() - 120 })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(new TextEncoder().encode(secret));
}

describe("detection: forged tokens (MON-05)", () => {
  test("three alg:none tokens raise a forged-token event", async () => {
    const guard = await guardWith({});
    try {
      for (let i = 0; i < 3; i++) {
        const res = await send(`${guard.url}/api/orders`, {
          headers: { authorization: `Bearer ${algNone()}` },
        });
        assert.equal(res.status, 401);
      }
      assert.equal(await metric(guard, 'rampart_guard_events_total{event="forged-token"}'), 1);
      const detected = guard.log.lines.filter((l) => l.event === "detected");
      assert.equal(detected.length, 1);
      assert.equal(detected[0]?.type, "forged-token");
      assert.equal(detected[0]?.count, 3);
      assert.equal(detected[0]?.route, "/api/orders");
      // Never the token itself.
      assert.ok(!guard.log.text().includes(algNone().split(".")[1] as string));
      assert.equal(upstream.requests.length, 0);
    } finally {
      await guard.close();
    }
  });

  test("expired tokens alone do not raise forged-token (they carry no signal)", async () => {
    const guard = await guardWith({});
    try {
      for (let i = 0; i < 5; i++) {
        const res = await send(`${guard.url}/api/orders`, {
          headers: { authorization: `Bearer ${await expired()}` },
        });
        assert.equal(res.status, 401);
      }
      assert.equal(await metric(guard, 'rampart_guard_events_total{event="forged-token"}'), 0);
      assert.ok(!guard.log.lines.some((l) => l.event === "detected"));
    } finally {
      await guard.close();
    }
  });
});

describe("detection: repeated policy blocks (MON-05)", () => {
  test("20 refusals in a minute raise policy-blocks; 19 do not", async () => {
    const guard = await guardWith({});
    try {
      const refused = async () => assert.equal((await send(`${guard.url}/api/orders`)).status, 401);
      for (let i = 0; i < 19; i++) await refused();
      assert.equal(await metric(guard, 'rampart_guard_events_total{event="policy-blocks"}'), 0);
      await refused();
      assert.equal(await metric(guard, 'rampart_guard_events_total{event="policy-blocks"}'), 1);
      const [line] = guard.log.lines.filter((l) => l.event === "detected");
      assert.equal(line?.type, "policy-blocks");
      assert.equal(line?.route, "/api/orders");
    } finally {
      await guard.close();
    }
  });
});

describe("detection: automatic bans (MON-05, the IPS half)", () => {
  test("bans on: past the threshold the client gets 403 with Retry-After, the upstream nothing", async () => {
    const guard = await guardWith({
      events: { scanning: { threshold: 5 } },
      bans: { enabled: true, events: ["scanning"] },
    });
    try {
      assert.equal((await send(`${guard.url}/api/items`)).status, 200);
      await probe(guard.url, 5);
      await until(async () => (await send(`${guard.url}/api/items`)).status === 403);
      upstream.reset();
      const res = await send(`${guard.url}/api/items`);
      assert.equal(res.status, 403);
      assert.equal(res.headers["content-type"], "application/problem+json");
      const retryAfter = Number(res.headers["retry-after"]);
      assert.ok(retryAfter > 590 && retryAfter <= 600, `Retry-After ${retryAfter}`);
      assert.equal(upstream.requests.length, 0);
      assert.equal(await metric(guard, 'rampart_guard_bans_total{reason="scanning"}'), 1);
      assert.equal(await metric(guard, "rampart_guard_banned_clients"), 1);
      const banned = guard.log.lines.filter((l) => l.event === "banned");
      assert.deepEqual(
        banned.map((l) => [l.client, l.seconds, l.reason]),
        [["127.0.0.1", 600, "scanning"]],
      );
      // Its refused requests are not counted again: no second ban while banned.
      await probe(guard.url, 20);
      assert.equal(await metric(guard, 'rampart_guard_bans_total{reason="scanning"}'), 1);
    } finally {
      await guard.close();
    }
  });

  test("neverBan exempts the address: the event is raised, the client still served", async () => {
    const guard = await guardWith({
      events: { scanning: { threshold: 5 } },
      bans: { enabled: true, events: ["scanning"], neverBan: ["127.0.0.0/8", "::1"] },
    });
    try {
      await probe(guard.url, 10);
      await sleep(50);
      assert.equal((await send(`${guard.url}/api/items`)).status, 200);
      assert.equal(await metric(guard, 'rampart_guard_events_total{event="scanning"}'), 1);
      assert.equal(await metric(guard, 'rampart_guard_bans_total{reason="scanning"}'), 0);
      assert.equal(await metric(guard, "rampart_guard_banned_clients"), 0);
    } finally {
      await guard.close();
    }
  });

  test("bans off (the default): the event only, no ban", async () => {
    const guard = await guardWith({ events: { scanning: { threshold: 5 } } });
    try {
      await probe(guard.url, 10);
      await sleep(50);
      assert.equal((await send(`${guard.url}/api/items`)).status, 200);
      assert.equal(await metric(guard, 'rampart_guard_events_total{event="scanning"}'), 1);
      assert.equal(await metric(guard, 'rampart_guard_bans_total{reason="scanning"}'), 0);
      assert.ok(!guard.log.lines.some((l) => l.event === "banned"));
    } finally {
      await guard.close();
    }
  });

  test("a ban expires; a repeat offender's next ban lasts twice as long", async () => {
    const guard = await guardWith({
      events: { scanning: { threshold: 3, windowSeconds: 1 } },
      bans: { enabled: true, seconds: 1, maxSeconds: 30, events: ["scanning"] },
    });
    try {
      await probe(guard.url, 3);
      await until(async () => (await send(`${guard.url}/api/items`)).status === 403);
      await until(async () => (await send(`${guard.url}/api/items`)).status === 200);
      await until(async () => (await metric(guard, "rampart_guard_banned_clients")) === 0);
      await probe(guard.url, 3);
      await until(async () => (await send(`${guard.url}/api/items`)).status === 403);
      assert.deepEqual(
        guard.log.lines.filter((l) => l.event === "banned").map((l) => l.seconds),
        [1, 2],
      );
      assert.equal(await metric(guard, 'rampart_guard_bans_total{reason="scanning"}'), 2);
    } finally {
      await guard.close();
    }
  });

  test("forged tokens ban too when listed", async () => {
    const guard = await guardWith({ bans: { enabled: true, events: ["forged-token"] } });
    try {
      for (let i = 0; i < 3; i++)
        await send(`${guard.url}/api/orders`, {
          headers: { authorization: `Bearer ${algNone()}` },
        });
      await until(async () => (await send(`${guard.url}/api/items`)).status === 403);
      assert.equal(await metric(guard, 'rampart_guard_bans_total{reason="forged-token"}'), 1);
    } finally {
      await guard.close();
    }
  });
});

describe("detection: reload", () => {
  test("a reload that turns bans on keeps the counters already running", async () => {
    const guard = await guardWith({ events: { scanning: { threshold: 5 } } });
    try {
      await probe(guard.url, 3);
      guard.swap(
        buildRouteTable({
          listen: "127.0.0.1:0",
          upstream: upstream.url,
          routes: ROUTES,
          auth: AUTH,
          detection: { events: { scanning: { threshold: 5 } }, bans: { enabled: true } },
        }),
      );
      assert.equal((await send(`${guard.url}/api/items`)).status, 200);
      await probe(guard.url, 2);
      await until(async () => (await send(`${guard.url}/api/items`)).status === 403);
      assert.equal(await metric(guard, 'rampart_guard_events_total{event="scanning"}'), 1);
    } finally {
      await guard.close();
    }
  });
});

/** A ban list that records what it is asked, for the detector alone. */
function fakeStore(failing = false): GuardStore & { added: [string, number, string?][] } {
  const entries = new Map<string, number>();
  const added: [string, number, string?][] = [];
  const bans: SharedSet = {
    ttl: (key) => entries.get(key) ?? 0,
    has: (key) => entries.has(key),
    async add(key, seconds, reason) {
      if (failing) throw new Error("store unreachable");
      added.push([key, seconds, reason]);
    },
    async delete(key) {
      entries.delete(key);
    },
    list: () => [...entries].map(([key, seconds]) => ({ key, seconds })),
  };
  return { bans, added } as unknown as GuardStore & { added: [string, number, string?][] };
}

function detectorWith(detection: DetectionConfig, store = fakeStore()) {
  const problems: string[] = [];
  const resolved = resolveDetection(detection, undefined, (p, m) => problems.push(`${p}: ${m}`));
  assert.deepEqual(problems, []);
  const clock = { t: 1_700_000_000_000 };
  const metrics = createMetrics();
  const log = logSink();
  const detector = createDetector({
    detection: resolved,
    store,
    metrics,
    logger: pino({ base: null }, log),
    now: () => clock.t,
  });
  const scan = (client: string): void =>
    detector.observe({
      client,
      method: "GET",
      route: undefined,
      status: 404,
      rejection: undefined,
    });
  const events = async () =>
    (await metrics.registry.metrics())
      .split("\n")
      .filter((l) => l.startsWith("rampart_guard_events_total{"))
      .join("\n");
  return { detector, clock, scan, events, store, log };
}

describe("detection: the detector with an injected clock", () => {
  test("hits spread wider than the window never add up to an event", async () => {
    const { detector, clock, scan, events } = detectorWith({
      events: { scanning: { threshold: 5, windowSeconds: 10 } },
    });
    for (let i = 0; i < 20; i++) {
      scan("203.0.113.9");
      clock.t += 2600; // 4 hits per 10.4 s: always below 5
    }
    assert.equal(await events(), "");
    for (let i = 0; i < 5; i++) scan("203.0.113.9");
    assert.match(await events(), /event="scanning"} 1$/);
    await detector.close();
  });

  test("2xx, 3xx and 4xx other than refusals, 404 and 405 are not counted", async () => {
    const { detector, events } = detectorWith({
      events: { scanning: { threshold: 1 }, "policy-blocks": { threshold: 1 } },
    });
    for (const status of [200, 204, 301, 304, 400, 401, 403, 429, 500, 502])
      detector.observe({
        client: "198.51.100.1",
        method: "GET",
        route: "/a",
        status,
        rejection: undefined,
      } satisfies Observation);
    assert.equal(await events(), "");
    await detector.close();
  });

  test("memory is bounded: beyond maxClients the least recently seen clients are forgotten", async () => {
    const { detector, scan, events } = detectorWith({
      maxClients: 100,
      events: { scanning: { threshold: 3 } },
    });
    scan("192.0.2.1"); // seen once, then never again while 120 others come
    scan("192.0.2.2"); // seen all along
    for (let i = 0; i < 120; i++) {
      scan(`2001:db8::${i.toString(16)}`);
      if (i === 70) scan("192.0.2.2");
    }
    scan("192.0.2.1");
    scan("192.0.2.1");
    assert.equal(await events(), "", "192.0.2.1's first hit must have been forgotten");
    scan("192.0.2.2");
    assert.match(await events(), /event="scanning"} 1$/, "192.0.2.2 must have been kept");
    await detector.close();
  });

  test("repeat bans double up to maxSeconds; a clean period starts over", async () => {
    const { detector, clock, scan, store } = detectorWith({
      events: { scanning: { threshold: 1, windowSeconds: 1 } },
      bans: { enabled: true, seconds: 600, maxSeconds: 2000, events: ["scanning"] },
    });
    for (let i = 0; i < 4; i++) {
      scan("203.0.113.7");
      await sleep(0);
      clock.t += 700_000;
    }
    clock.t += 2_000_001;
    scan("203.0.113.7");
    await sleep(0);
    assert.deepEqual(
      store.added.map(([, seconds]) => seconds),
      [600, 1200, 2000, 2000, 600],
    );
    await detector.close();
  });

  test("a store failing on ban is logged, never thrown", async () => {
    const { detector, scan, log } = detectorWith(
      { bans: { enabled: true, events: ["scanning"] }, events: { scanning: { threshold: 1 } } },
      fakeStore(true),
    );
    assert.doesNotThrow(() => scan("203.0.113.8"));
    await detector.close();
    const failed = log.lines.filter((l) => l.event === "ban-failed");
    assert.equal(failed.length, 1);
    assert.equal(failed[0]?.client, "203.0.113.8");
  });
});
