import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { DemoApi } from "../../demo/server.js";
import { DEMO_USERS } from "../../demo/store.js";
import { bearer, jsonRequest, login, send, startDemo } from "../helpers/demo-client.js";

describe("admin area", () => {
  let hardened: DemoApi;
  let exposed: DemoApi;
  before(async () => {
    [hardened, exposed] = await Promise.all([startDemo("none"), startDemo("admin-exposed")]);
  });
  after(() => Promise.all([hardened.close(), exposed.close()]));

  test("admin-exposed on: the admin area answers without credentials", async () => {
    const users = await send(`${exposed.url}/admin/users`);
    assert.equal(users.status, 200);
    assert.equal(users.json().items.length, 3);
    const stats = await send(`${exposed.url}/admin/stats`);
    assert.equal(stats.status, 200);
    assert.equal(stats.json().users, 3);
    const disabled = await send(`${exposed.url}/admin/users/${DEMO_USERS.bob.id}/disable`, {
      method: "POST",
    });
    assert.equal(disabled.status, 200);
    assert.equal(disabled.json().disabled, true);
  });

  test("admin-exposed off: without credentials the admin area answers 401 with a challenge", async () => {
    for (const path of ["/admin/users", "/admin/stats"]) {
      const res = await send(`${hardened.url}${path}`);
      assert.equal(res.status, 401, path);
      assert.ok(res.headers["www-authenticate"], path);
    }
  });

  test("admin-exposed off: a user without the admin role gets 403", async () => {
    const alice = await login(hardened, "alice");
    const res = await send(`${hardened.url}/admin/stats`, { headers: bearer(alice) });
    assert.equal(res.status, 403);
    assert.equal(res.json().detail, "This resource requires the admin role.");
  });

  test("admin-exposed off: an admin lists users and disables one, who can then no longer log in", async () => {
    const carol = await login(hardened, "carol");
    const list = await send(`${hardened.url}/admin/users`, { headers: bearer(carol) });
    assert.equal(list.status, 200);
    assert.ok(list.json().items.every((u: { disabled: boolean }) => u.disabled === false));
    const bob = await login(hardened, "bob");
    const res = await send(`${hardened.url}/admin/users/${DEMO_USERS.bob.id}/disable`, {
      method: "POST",
      headers: bearer(carol),
    });
    assert.equal(res.status, 200);
    assert.equal(res.json().disabled, true);
    assert.equal(hardened.context.store.findUserById(DEMO_USERS.bob.id)?.disabled, true);
    const after = await send(`${hardened.url}/api/users/me`, { headers: bearer(bob) });
    assert.equal(after.status, 401);
  });

  test("disabling an unknown user answers 404", async () => {
    const carol = await login(hardened, "carol");
    const res = await send(`${hardened.url}/admin/users/nobody/disable`, {
      method: "POST",
      headers: bearer(carol),
    });
    assert.equal(res.status, 404);
  });
});

describe("reports", () => {
  let clock = Date.parse("2025-06-01T12:00:00Z");
  let hardened: DemoApi;
  let slow: DemoApi;
  before(async () => {
    const options = { reportDurationMs: 150, now: () => clock };
    [hardened, slow] = await Promise.all([
      startDemo("none", options),
      startDemo("slow-sync-work", options),
    ]);
  });
  after(() => Promise.all([hardened.close(), slow.close()]));

  test("slow-sync-work on: POST /api/reports blocks until the report is done, then 200", async () => {
    const token = await login(slow, "alice");
    const started = performance.now();
    const res = await send(`${slow.url}/api/reports`, jsonRequest("POST", {}, bearer(token)));
    const elapsed = performance.now() - started;
    assert.equal(res.status, 200);
    assert.ok(elapsed >= 140, `answered after ${elapsed} ms`);
    assert.equal(res.json().status, "done");
    assert.deepEqual(res.json().result, { orders: 2, quantity: 3 });
  });

  test("slow-sync-work off: POST /api/reports answers 202 at once with a Location to poll", async () => {
    const token = await login(hardened, "alice");
    const started = performance.now();
    const res = await send(
      `${hardened.url}/api/reports`,
      jsonRequest("POST", { type: "orders-summary" }, bearer(token)),
    );
    assert.ok(performance.now() - started < 140);
    assert.equal(res.status, 202);
    assert.equal(res.json().status, "pending");
    assert.equal(res.headers.location, `/api/reports/${res.json().id}`);
    const pending = await send(`${hardened.url}${res.headers.location}`, {
      headers: bearer(token),
    });
    assert.equal(pending.json().status, "pending");
    clock += 150;
    const done = await send(`${hardened.url}${res.headers.location}`, { headers: bearer(token) });
    assert.equal(done.json().status, "done");
    assert.deepEqual(done.json().result, { orders: 2, quantity: 3 });
  });

  test("a report is its owner's: another user gets 404", async () => {
    const [alice, bob] = await Promise.all([login(hardened, "alice"), login(hardened, "bob")]);
    const res = await send(`${hardened.url}/api/reports`, jsonRequest("POST", {}, bearer(alice)));
    const other = await send(`${hardened.url}${res.headers.location}`, { headers: bearer(bob) });
    assert.equal(other.status, 404);
  });

  test("an unknown report type answers 400", async () => {
    const token = await login(hardened, "alice");
    const res = await send(
      `${hardened.url}/api/reports`,
      jsonRequest("POST", { type: "everything" }, bearer(token)),
    );
    assert.equal(res.status, 400);
    assert.equal(res.json().errors[0].pointer, "/type");
  });
});

describe("files", () => {
  let api: DemoApi;
  before(async () => {
    api = await startDemo("none");
  });
  after(() => api.close());

  const multipart = (boundary: string, filename: string, content: string) =>
    [
      `--${boundary}`,
      'Content-Disposition: form-data; name="note"',
      "",
      "hello",
      `--${boundary}`,
      `Content-Disposition: form-data; name="file"; filename="${filename}"`,
      "Content-Type: text/plain",
      "",
      content,
      `--${boundary}--`,
      "",
    ].join("\r\n");

  test("POST /api/files takes a multipart upload and answers 201 with its metadata", async () => {
    const token = await login(api, "alice");
    const res = await send(`${api.url}/api/files`, {
      method: "POST",
      headers: bearer(token, { "Content-Type": "multipart/form-data; boundary=XyZ123" }),
      body: multipart("XyZ123", "notes.txt", "twelve bytes"),
    });
    assert.equal(res.status, 201);
    const file = res.json();
    assert.deepEqual([file.filename, file.contentType, file.size], ["notes.txt", "text/plain", 12]);
    assert.equal(res.headers.location, `/api/files/${file.id}`);
    const back = await send(`${api.url}${res.headers.location}`, { headers: bearer(token) });
    assert.deepEqual(back.json(), file);
    const bob = await login(api, "bob");
    const other = await send(`${api.url}${res.headers.location}`, { headers: bearer(bob) });
    assert.equal(other.status, 404);
  });

  test("POST /api/files refuses other types (415) and multipart without a boundary or file (400)", async () => {
    const token = await login(api, "alice");
    const json = await send(
      `${api.url}/api/files`,
      jsonRequest("POST", { file: "x" }, bearer(token)),
    );
    assert.equal(json.status, 415);
    assert.equal(json.headers["accept-post"], "multipart/form-data");
    const noBoundary = await send(`${api.url}/api/files`, {
      method: "POST",
      headers: bearer(token, { "Content-Type": "multipart/form-data" }),
      body: multipart("b", "a.txt", "x"),
    });
    assert.equal(noBoundary.status, 400);
    const noFile = await send(`${api.url}/api/files`, {
      method: "POST",
      headers: bearer(token, { "Content-Type": "multipart/form-data; boundary=b" }),
      body: '--b\r\nContent-Disposition: form-data; name="x"\r\n\r\ny\r\n--b--\r\n',
    });
    assert.equal(noFile.status, 400);
  });
});
