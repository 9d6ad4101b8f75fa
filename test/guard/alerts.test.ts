import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { RampartError } from "../../src/core/errors.js";
import { loadGuard } from "../../src/guard/config/load.js";
import type { GuardConfig } from "../../src/guard/config/schema.js";
import {
  DETECTION_DEFAULTS,
  DETECTION_EVENTS,
  resolveDetection,
} from "../../src/guard/detect/schema.js";
import { send } from "../helpers/demo-client.js";
import { guardFor, type RecordingUpstream, startUpstream } from "./helpers.js";

/** A webhook receiver on loopback that records every POST. */
interface Receiver {
  readonly url: string;
  readonly posts: { path: string; contentType: string; body: Record<string, unknown> }[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const posts: Receiver["posts"] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method === "POST")
        posts.push({
          path: req.url ?? "",
          contentType: String(req.headers["content-type"]),
          body: JSON.parse(Buffer.concat(chunks).toString("utf8")),
        });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    posts,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

let upstream: RecordingUpstream;
let receiver: Receiver;
before(async () => {
  upstream = await startUpstream();
  receiver = await startReceiver();
});
after(async () => {
  await upstream.close();
  await receiver.close();
});
beforeEach(() => {
  upstream.reset();
  receiver.posts.length = 0;
});

const ROUTES: GuardConfig["routes"] = [{ path: "/api/items", public: true }];

function guardWith(config: Omit<GuardConfig, "upstream" | "listen">) {
  return guardFor(upstream.url, { routes: ROUTES, admin: { listen: "127.0.0.1:0" }, ...config });
}

async function hit(base: string, path: string, times: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < times; i++) statuses.push((await send(`${base}${path}${i}`)).status);
  return statuses;
}

async function metricsOf(guard: { adminUrl: string | undefined }): Promise<string> {
  return (await send(`${guard.adminUrl}/metrics`)).body;
}

/** The value of one metric sample in Prometheus text, 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail("timed out waiting");
    await sleep(20);
  }
}

describe("alerts: scanning (MON-03, MON-05)", () => {
  test("30 unknown paths from one client send one JSON alert with the client and count", async () => {
    const guard = await guardWith({
      alerts: { webhooks: [{ url: `${receiver.url}/hook`, name: "ops" }] },
    });
    try {
      const statuses = await hit(guard.url, "/wp-admin/probe", 30);
      assert.ok(statuses.every((s) => s === 404));
      await until(() => receiver.posts.length === 1);
      const [post] = receiver.posts;
      assert.equal(post?.path, "/hook");
      assert.equal(post?.contentType, "application/json");
      const body = post?.body ?? {};
      assert.equal(body.source, "rampart-guard");
      assert.equal(body.event, "scanning");
      assert.equal(body.client, "127.0.0.1");
      assert.equal(body.count, 30);
      assert.equal(body.windowSeconds, 60);
      assert.equal(body.route, null);
      assert.ok(!Number.isNaN(Date.parse(String(body.time))));
      // Detection, and the routing policy that refused (IN-01).
      assert.deepEqual(body.items, ["MON-05", "IN-01"]);
      const detected = guard.log.lines.filter((l) => l.event === "detected");
      assert.equal(detected.length, 1);
      assert.deepEqual(
        { ...detected[0], time: undefined, msg: undefined },
        {
          level: 40,
          event: "detected",
          type: "scanning",
          client: "127.0.0.1",
          count: 30,
          windowSeconds: 60,
          time: undefined,
          msg: undefined,
        },
      );
      const text = await metricsOf(guard);
      assert.equal(sample(text, 'rampart_guard_events_total{event="scanning"}'), 1);
      assert.equal(sample(text, 'rampart_guard_alerts_total{sink="ops",result="sent"}'), 1);
    } finally {
      await guard.close();
    }
  });

  test("a flood of 60 more probes stays one alert (deduplicated per type and client)", async () => {
    // A one-second window lets the event fire again within the test; dedupe keeps it one alert.
    const guard = await guardWith({
      detection: { events: { scanning: { windowSeconds: 1 } } },
      alerts: { webhooks: [{ url: `${receiver.url}/hook`, name: "ops" }] },
    });
    try {
      await hit(guard.url, "/.env", 30);
      await until(() => receiver.posts.length === 1);
      await sleep(1100);
      await hit(guard.url, "/.git/config", 60);
      const text = await metricsOf(guard);
      assert.ok(sample(text, 'rampart_guard_events_total{event="scanning"}') >= 2);
      await guard.close();
      assert.equal(receiver.posts.length, 1);
      assert.equal(sample(text, 'rampart_guard_alerts_total{sink="ops",result="sent"}'), 1);
    } finally {
      await guard.close();
    }
  });

  test("a Slack sink gets one readable line in {text}", async () => {
    const guard = await guardWith({
      alerts: { webhooks: [{ url: `${receiver.url}/slack`, format: "slack" }] },
    });
    try {
      await hit(guard.url, "/admin/", 30);
      await until(() => receiver.posts.length === 1);
      const body = receiver.posts[0]?.body ?? {};
      assert.deepEqual(Object.keys(body), ["text"]);
      assert.match(String(body.text), /^rampart guard: scanning from 127\.0\.0\.1: 30 in 60 s/);
      assert.ok(!String(body.text).includes("\n"));
    } finally {
      await guard.close();
    }
  });

  test("the upstream's own 404s count as scanning too", async () => {
    upstream.reply = () => ({ status: 404, body: "no such item" });
    const guard = await guardWith({
      routes: [{ path: "/api/items/:id", public: true }],
      alerts: { webhooks: [{ url: `${receiver.url}/hook` }] },
    });
    try {
      await hit(guard.url, "/api/items/", 30);
      await until(() => receiver.posts.length === 1);
      assert.equal(receiver.posts[0]?.body.route, "/api/items/:id");
    } finally {
      await guard.close();
    }
  });
});

describe("alerts: silent when they must be", () => {
  test("10 unknown paths stay below the threshold: no alert, no event", async () => {
    const guard = await guardWith({ alerts: { webhooks: [{ url: `${receiver.url}/hook` }] } });
    try {
      assert.ok((await hit(guard.url, "/nope", 10)).every((s) => s === 404));
      const text = await metricsOf(guard);
      await guard.close();
      assert.equal(receiver.posts.length, 0);
      assert.equal(sample(text, 'rampart_guard_events_total{event="scanning"}'), 0);
      assert.ok(!guard.log.lines.some((l) => l.event === "detected"));
    } finally {
      await guard.close();
    }
  });

  test("ordinary 200 traffic never alerts", async () => {
    const guard = await guardWith({
      detection: { events: { scanning: { threshold: 1 }, "policy-blocks": { threshold: 1 } } },
      alerts: { webhooks: [{ url: `${receiver.url}/hook` }] },
    });
    try {
      for (let i = 0; i < 100; i++)
        assert.equal((await send(`${guard.url}/api/items`)).status, 200);
      await guard.close();
      assert.equal(receiver.posts.length, 0);
      assert.ok(!guard.log.lines.some((l) => l.event === "detected"));
    } finally {
      await guard.close();
    }
  });

  test("a turned-off event raises nothing", async () => {
    const guard = await guardWith({
      detection: { events: { scanning: { enabled: false } } },
      alerts: { webhooks: [{ url: `${receiver.url}/hook` }] },
    });
    try {
      await hit(guard.url, "/probe", 40);
      await guard.close();
      assert.equal(receiver.posts.length, 0);
    } finally {
      await guard.close();
    }
  });

  test("a sink subscribed to other events does not get scanning", async () => {
    const guard = await guardWith({
      alerts: { webhooks: [{ url: `${receiver.url}/hook`, events: ["forged-token"] }] },
    });
    try {
      await hit(guard.url, "/probe", 30);
      await guard.close();
      assert.equal(receiver.posts.length, 0);
      assert.ok(guard.log.lines.some((l) => l.event === "detected" && l.type === "scanning"));
    } finally {
      await guard.close();
    }
  });
});

describe("alerts: rate limit and failures", () => {
  test("alerts beyond maxPerMinute are counted as suppressed and summed up in one line", async () => {
    const guard = await guardWith({
      alerts: {
        maxPerMinute: 1,
        webhooks: [
          { url: `${receiver.url}/a`, name: "first" },
          { url: `${receiver.url}/b`, name: "second", format: "slack" },
        ],
      },
    });
    try {
      await hit(guard.url, "/probe", 30);
      await until(() => receiver.posts.length === 1);
      const text = await metricsOf(guard);
      assert.equal(sample(text, 'rampart_guard_alerts_total{sink="first",result="sent"}'), 1);
      assert.equal(
        sample(text, 'rampart_guard_alerts_total{sink="second",result="suppressed"}'),
        1,
      );
      await guard.close();
      assert.equal(receiver.posts.length, 1);
      const summaries = guard.log.lines.filter((l) => l.event === "alerts-suppressed");
      assert.equal(summaries.length, 1);
      assert.equal(summaries[0]?.count, 1);
    } finally {
      await guard.close();
    }
  });

  test("a webhook that is down: failure counted and logged without its URL, guard unaffected", async () => {
    const gone = await startReceiver();
    await gone.close();
    const secretPath = "/services/T000/B000/XXXXSECRET";
    const guard = await guardWith({
      detection: { events: { scanning: { threshold: 5, windowSeconds: 1 } } },
      alerts: { dedupeSeconds: 0, webhooks: [{ url: `${gone.url}${secretPath}`, name: "chat" }] },
    });
    try {
      await hit(guard.url, "/probe", 5);
      await sleep(1100);
      await hit(guard.url, "/probe", 5);
      await until(() => guard.log.lines.some((l) => l.event === "alert-failed"));
      assert.equal((await send(`${guard.url}/api/items`)).status, 200);
      assert.equal((await send(`${guard.url}/probe`)).status, 404);
      const text = await metricsOf(guard);
      await guard.close();
      const final = await guard.metrics.registry.metrics();
      assert.equal(sample(final, 'rampart_guard_alerts_total{sink="chat",result="failed"}'), 2);
      assert.ok(sample(text, 'rampart_guard_alerts_total{sink="chat",result="failed"}') >= 1);
      // Logged once a minute per sink, not once per failure.
      assert.equal(guard.log.lines.filter((l) => l.event === "alert-failed").length, 1);
      assert.ok(!guard.log.text().includes("SECRET"));
    } finally {
      await guard.close();
    }
  });
});

describe("alerts: a receiver that never answers", () => {
  let hanging: Server;
  let hangingUrl: string;
  let received = 0;
  before(async () => {
    hanging = createServer(() => {
      received++; // reads the request, never answers
    });
    await new Promise<void>((done) => hanging.listen(0, "127.0.0.1", done));
    hangingUrl = `http://127.0.0.1:${(hanging.address() as { port: number }).port}`;
  });
  after(async () => {
    hanging.closeAllConnections();
    await new Promise<void>((done) => hanging.close(() => done()));
  });

  test("times out after timeoutMs, counted as failed; the guard keeps serving", async () => {
    const guard = await guardWith({
      alerts: { timeoutMs: 300, webhooks: [{ url: `${hangingUrl}/hook`, name: "slow" }] },
    });
    try {
      await hit(guard.url, "/probe", 30);
      assert.equal((await send(`${guard.url}/api/items`)).status, 200);
      await until(() => guard.log.lines.some((l) => l.event === "alert-failed"));
      const text = await guard.metrics.registry.metrics();
      assert.equal(sample(text, 'rampart_guard_alerts_total{sink="slow",result="failed"}'), 1);
    } finally {
      await guard.close();
    }
  });

  test("shutdown waits for an alert in flight about 2 s, not its whole timeout", async () => {
    const guard = await guardWith({
      alerts: { timeoutMs: 30_000, webhooks: [{ url: `${hangingUrl}/hook`, name: "slow" }] },
    });
    const earlier = received;
    await hit(guard.url, "/probe", 30);
    await until(() => received > earlier);
    const started = Date.now();
    await guard.close();
    const took = Date.now() - started;
    assert.ok(took >= 1500 && took < 4000, `close() took ${took} ms`);
  });
});

describe("alerts: config", () => {
  const dir = mkdtempSync(join(tmpdir(), "rampart-guard-alerts-"));
  async function problemsOf(yaml: string[]): Promise<string> {
    const path = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(path, ["guard:", "  upstream: http://127.0.0.1:3000", ...yaml, ""].join("\n"));
    try {
      await loadGuard({ config: path }, dir);
    } catch (error) {
      assert.ok(error instanceof RampartError, String(error));
      assert.equal(error.code, "ERR_CONFIG_INVALID");
      return error.problems.map((p) => `${p.path}: ${p.message}`).join("\n");
    }
    return assert.fail("expected ERR_CONFIG_INVALID");
  }

  test("defaults: detection on, bans off, one alert per 5 minutes per client, 30 a minute", () => {
    const problems: string[] = [];
    const resolved = resolveDetection(undefined, undefined, (p, m) => problems.push(`${p} ${m}`));
    assert.equal(problems.join("\n"), "");
    assert.deepEqual([...resolved.events.keys()], [...DETECTION_EVENTS]);
    assert.deepEqual(resolved.events.get("scanning"), { threshold: 30, windowSeconds: 60 });
    assert.equal(resolved.bans.enabled, false);
    assert.equal(resolved.alerts.dedupeSeconds, 300);
    assert.equal(resolved.alerts.maxPerMinute, 30);
    assert.ok(
      Object.isFrozen(DETECTION_DEFAULTS.bans) && Object.isFrozen(DETECTION_DEFAULTS.events),
    );
    // A default ban event whose detection is turned off is simply not a ban event.
    const quiet = resolveDetection(
      { events: { scanning: { enabled: false } }, bans: { enabled: true } },
      undefined,
      (p, m) => problems.push(`${p} ${m}`),
    );
    assert.deepEqual(problems, []);
    assert.deepEqual([...quiet.bans.events].sort(), ["brute-force", "forged-token"]);
  });

  test("an http:// webhook to a non-loopback host is refused with its path", async () => {
    const text = await problemsOf([
      "  alerts:",
      "    webhooks:",
      "      - url: https://hooks.example.test/ok",
      "      - url: http://hooks.example.test/services/SECRET",
    ]);
    assert.match(text, /^\/guard\/alerts\/webhooks\/1\/url: must be https:\/\//m);
    assert.doesNotMatch(text, /webhooks\/0/);
    assert.doesNotMatch(text, /SECRET/);
  });

  test("an unknown event name is refused, in thresholds and in lists", async () => {
    const text = await problemsOf([
      "  detection:",
      "    events:",
      "      sql-injection: { threshold: 3 }",
      "    bans: { events: [scanning, port-scan] }",
      "  alerts:",
      "    webhooks: [{ url: 'https://hooks.example.test/x', events: [forged-tokens] }]",
    ]);
    assert.match(
      text,
      /^\/guard\/detection\/events\/sql-injection: unknown event "sql-injection"/m,
    );
    assert.match(text, /^\/guard\/detection\/bans\/events\/1: must be one of/m);
    assert.match(text, /^\/guard\/alerts\/webhooks\/0\/events\/0: must be one of/m);
  });

  test("cross-field problems are reported together", async () => {
    const text = await problemsOf([
      "  detection:",
      "    events: { scanning: { enabled: false } }",
      "    bans:",
      "      enabled: true",
      "      seconds: 600",
      "      maxSeconds: 60",
      "      events: [forged-token, scanning]",
      "      neverBan: [10.0.0.0/40]",
      "  alerts:",
      "    webhooks:",
      "      - { url: 'https://a.example.test/1', name: dup }",
      "      - { url: 'https://b.example.test/2', name: dup }",
      "      - { url: 'ftp://c.example.test/3' }",
    ]);
    for (const expected of [
      /^\/guard\/detection\/bans\/maxSeconds: must not be below seconds/m,
      /^\/guard\/detection\/bans\/events\/1: "scanning" bans, but the event is turned off/m,
      /^\/guard\/detection\/bans\/neverBan\/0: not an address or CIDR range/m,
      /^\/guard\/alerts\/webhooks\/1\/name: another webhook is named "dup"/m,
      /^\/guard\/alerts\/webhooks\/2\/url: must be https:\/\//m,
    ])
      assert.match(text, expected);
  });
});
