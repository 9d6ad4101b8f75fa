import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { DemoApi } from "../../demo/server.js";
import { DEMO_USERS } from "../../demo/store.js";
import { bearer, jsonRequest, login, send, startDemo } from "../helpers/demo-client.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("users", () => {
  let hardened: DemoApi;
  let flawed: DemoApi;
  let massAssignment: DemoApi;
  before(async () => {
    [hardened, flawed, massAssignment] = await Promise.all([
      startDemo("none"),
      startDemo("unauthenticated-endpoint,password-hash-in-response"),
      startDemo("mass-assignment"),
    ]);
  });
  after(() => Promise.all([hardened.close(), flawed.close(), massAssignment.close()]));

  test("unauthenticated-endpoint on: GET /api/users answers the directory without credentials", async () => {
    const res = await send(`${flawed.url}/api/users`);
    assert.equal(res.status, 200);
    const names = res.json().items.map((u: { username: string }) => u.username);
    assert.deepEqual(names, ["alice", "bob", "carol"]);
  });

  test("unauthenticated-endpoint off: GET /api/users without credentials answers 401 with a challenge", async () => {
    const res = await send(`${hardened.url}/api/users`);
    assert.equal(res.status, 401);
    assert.match(String(res.headers["www-authenticate"]), /^Bearer\b/);
    assert.equal(res.headers["content-type"], "application/problem+json");
  });

  test("unauthenticated-endpoint off: GET /api/users with a token answers the directory", async () => {
    const token = await login(hardened, "alice");
    const res = await send(`${hardened.url}/api/users`, { headers: bearer(token) });
    assert.equal(res.status, 200);
    assert.equal(res.json().items.length, 3);
  });

  test("GET /api/users/me answers the caller's profile", async () => {
    const token = await login(hardened, "alice");
    const res = await send(`${hardened.url}/api/users/me`, { headers: bearer(token) });
    assert.equal(res.status, 200);
    const { alice } = DEMO_USERS;
    assert.deepEqual(res.json(), {
      id: alice.id,
      username: "alice",
      displayName: alice.displayName,
      email: alice.email,
      role: "user",
    });
  });

  test("GET /api/users/:id answers a user, 404 for an unknown id", async () => {
    const token = await login(hardened, "alice");
    const bob = await send(`${hardened.url}/api/users/${DEMO_USERS.bob.id}`, {
      headers: bearer(token),
    });
    assert.equal(bob.json().username, "bob");
    const none = await send(`${hardened.url}/api/users/nobody`, { headers: bearer(token) });
    assert.equal(none.status, 404);
  });

  test("password-hash-in-response on: user objects carry the scrypt password hash", async () => {
    const directory = (await send(`${flawed.url}/api/users`)).json();
    for (const user of directory.items)
      assert.match(user.passwordHash, /^\$scrypt\$N=\d+,r=\d+,p=\d+\$/);
    const token = await login(flawed, "alice");
    const me = (await send(`${flawed.url}/api/users/me`, { headers: bearer(token) })).json();
    assert.match(me.passwordHash, /^\$scrypt\$/);
  });

  test("password-hash-in-response off: no user object carries a password hash", async () => {
    const token = await login(hardened, "alice");
    for (const path of ["/api/users", "/api/users/me", `/api/users/${DEMO_USERS.bob.id}`]) {
      const res = await send(`${hardened.url}${path}`, { headers: bearer(token) });
      assert.doesNotMatch(res.body, /passwordHash|\$scrypt\$/, path);
    }
  });

  test("mass-assignment on: PATCH /api/users/me binds role, and the user becomes admin", async () => {
    const token = await login(massAssignment, "bob");
    const res = await send(
      `${massAssignment.url}/api/users/me`,
      jsonRequest("PATCH", { displayName: "Bob", role: "admin" }, bearer(token)),
    );
    assert.equal(res.status, 200);
    assert.equal(res.json().role, "admin");
    const admin = await send(`${massAssignment.url}/admin/users`, { headers: bearer(token) });
    assert.equal(admin.status, 200);
  });

  test("mass-assignment off: PATCH with role answers 400 naming the refused field", async () => {
    const token = await login(hardened, "bob");
    const res = await send(
      `${hardened.url}/api/users/me`,
      jsonRequest("PATCH", { displayName: "Bob", role: "admin", isAdmin: true }, bearer(token)),
    );
    assert.equal(res.status, 400);
    const pointers = res.json().errors.map((e: { pointer: string }) => e.pointer);
    assert.deepEqual(pointers, ["/role", "/isAdmin"]);
    const me = (await send(`${hardened.url}/api/users/me`, { headers: bearer(token) })).json();
    assert.equal(me.role, "user");
    assert.equal(me.displayName, DEMO_USERS.bob.displayName);
  });

  test("PATCH /api/users/me updates displayName and email, as JSON or merge patch", async () => {
    const token = await login(hardened, "bob");
    const res = await send(`${hardened.url}/api/users/me`, {
      method: "PATCH",
      headers: bearer(token, { "Content-Type": "application/merge-patch+json" }),
      body: JSON.stringify({ displayName: "Robert", email: "robert@example.test" }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.json().displayName, "Robert");
    assert.equal(res.json().email, "robert@example.test");
    const invalid = await send(
      `${hardened.url}/api/users/me`,
      jsonRequest("PATCH", { email: "not-an-email", displayName: "" }, bearer(token)),
    );
    assert.equal(invalid.status, 400);
    assert.deepEqual(
      invalid.json().errors.map((e: { pointer: string }) => e.pointer),
      ["/displayName", "/email"],
    );
  });
});

describe("orders", () => {
  let hardened: DemoApi;
  let flawed: DemoApi;
  before(async () => {
    [hardened, flawed] = await Promise.all([
      startDemo("none"),
      startDemo("bola,user-id-in-path,sequential-ids,unbounded-input"),
    ]);
  });
  after(() => Promise.all([hardened.close(), flawed.close()]));

  const ordersOf = async (api: DemoApi, token: string) =>
    (await send(`${api.url}/api/orders`, { headers: bearer(token) })).json();

  test("GET /api/orders and /api/me/orders answer the caller's own orders", async () => {
    const token = await login(hardened, "alice");
    const list = await ordersOf(hardened, token);
    assert.equal(list.total, 2);
    assert.deepEqual([list.limit, list.offset], [20, 0]);
    for (const order of list.items) assert.equal(order.ownerId, DEMO_USERS.alice.id);
    const alias = (await send(`${hardened.url}/api/me/orders`, { headers: bearer(token) })).json();
    assert.deepEqual(alias, list);
  });

  test("POST /api/orders answers 201 with Location, and the order can be read back", async () => {
    const token = await login(hardened, "alice");
    const res = await send(
      `${hardened.url}/api/orders`,
      jsonRequest("POST", { item: "Red widget", quantity: 3 }, bearer(token)),
    );
    assert.equal(res.status, 201);
    const order = res.json();
    assert.match(order.id, UUID);
    assert.equal(res.headers.location, `/api/orders/${order.id}`);
    assert.deepEqual([order.item, order.quantity, order.status], ["Red widget", 3, "open"]);
    const back = await send(`${hardened.url}${res.headers.location}`, { headers: bearer(token) });
    assert.deepEqual(back.json(), order);
  });

  test("POST /api/orders validates item and quantity, and refuses unknown fields", async () => {
    const token = await login(hardened, "alice");
    const post = (body: unknown) =>
      send(`${hardened.url}/api/orders`, jsonRequest("POST", body, bearer(token)));
    const cases: [unknown, string[]][] = [
      [{ item: "", quantity: 0 }, ["/item", "/quantity"]],
      [{ item: "x".repeat(101), quantity: 1001 }, ["/item", "/quantity"]],
      [{ item: "Nut", quantity: 1.5 }, ["/quantity"]],
      [{ item: "Nut", quantity: "2" }, ["/quantity"]],
      [{ item: "Nut", quantity: 2, ownerId: DEMO_USERS.bob.id }, ["/ownerId"]],
    ];
    for (const [body, pointers] of cases) {
      const res = await post(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.deepEqual(
        res.json().errors.map((e: { pointer: string }) => e.pointer),
        pointers,
      );
    }
    assert.equal((await post([1, 2])).status, 400);
  });

  test("PATCH and DELETE /api/orders/:id change and remove one's own order", async () => {
    const token = await login(hardened, "alice");
    const created = await send(
      `${hardened.url}/api/orders`,
      jsonRequest("POST", { item: "Bolt", quantity: 1 }, bearer(token)),
    );
    const url = `${hardened.url}${created.headers.location}`;
    const patched = await send(
      url,
      jsonRequest("PATCH", { quantity: 5, status: "cancelled" }, bearer(token)),
    );
    assert.equal(patched.status, 200);
    assert.deepEqual([patched.json().quantity, patched.json().status], [5, "cancelled"]);
    assert.equal((await send(url, { method: "DELETE", headers: bearer(token) })).status, 204);
    assert.equal((await send(url, { headers: bearer(token) })).status, 404);
  });

  test("?limit is capped at 100 (400 above) and ?offset pages", async () => {
    const token = await login(hardened, "alice");
    const over = await send(`${hardened.url}/api/orders?limit=101`, { headers: bearer(token) });
    assert.equal(over.status, 400);
    assert.equal(over.json().errors[0].parameter, "limit");
    for (const bad of ["limit=abc", "limit=0", "offset=-1"]) {
      const res = await send(`${hardened.url}/api/orders?${bad}`, { headers: bearer(token) });
      assert.equal(res.status, 400, bad);
    }
    const page = await send(`${hardened.url}/api/orders?limit=1&offset=1`, {
      headers: bearer(token),
    });
    assert.equal(page.json().items.length, 1);
  });

  test("unbounded-input on: ?limit=100000 is served", async () => {
    const token = await login(flawed, "alice");
    const res = await send(`${flawed.url}/api/orders?limit=100000`, { headers: bearer(token) });
    assert.equal(res.status, 200);
    assert.equal(res.json().limit, 100000);
  });

  test("bola off: another user's order answers 404 to GET, PATCH and DELETE, and survives", async () => {
    const [alice, bob] = await Promise.all([login(hardened, "alice"), login(hardened, "bob")]);
    const bobsOrder = (await ordersOf(hardened, bob)).items[0];
    const url = `${hardened.url}/api/orders/${bobsOrder.id}`;
    assert.equal((await send(url, { headers: bearer(alice) })).status, 404);
    assert.equal(
      (await send(url, jsonRequest("PATCH", { quantity: 9 }, bearer(alice)))).status,
      404,
    );
    assert.equal((await send(url, { method: "DELETE", headers: bearer(alice) })).status, 404);
    const still = await send(url, { headers: bearer(bob) });
    assert.deepEqual(still.json(), bobsOrder);
  });

  test("bola on: any user reads, changes and deletes another user's order", async () => {
    const [alice, bob] = await Promise.all([login(flawed, "alice"), login(flawed, "bob")]);
    const bobsOrder = (await ordersOf(flawed, bob)).items[0];
    const url = `${flawed.url}/api/orders/${bobsOrder.id}`;
    const read = await send(url, { headers: bearer(alice) });
    assert.equal(read.status, 200);
    assert.equal(read.json().ownerId, DEMO_USERS.bob.id);
    const changed = await send(url, jsonRequest("PATCH", { quantity: 999 }, bearer(alice)));
    assert.equal(changed.json().quantity, 999);
    assert.equal((await send(url, { method: "DELETE", headers: bearer(alice) })).status, 204);
    assert.equal((await send(url, { headers: bearer(bob) })).status, 404);
  });

  test("user-id-in-path on: GET /api/users/{bob}/orders answers bob's orders to alice", async () => {
    const alice = await login(flawed, "alice");
    const res = await send(`${flawed.url}/api/users/${DEMO_USERS.bob.id}/orders`, {
      headers: bearer(alice),
    });
    assert.equal(res.status, 200);
    assert.ok(res.json().items.length > 0);
    for (const order of res.json().items) assert.equal(order.ownerId, DEMO_USERS.bob.id);
  });

  test("user-id-in-path off: /api/users/{id}/orders answers 404", async () => {
    const alice = await login(hardened, "alice");
    const res = await send(`${hardened.url}/api/users/${DEMO_USERS.alice.id}/orders`, {
      headers: bearer(alice),
    });
    assert.equal(res.status, 404);
  });

  test("sequential-ids on: orders get auto-increment integer ids", async () => {
    const token = await login(flawed, "carol");
    const seeded = (await ordersOf(flawed, token)).items[0];
    assert.equal(seeded.id, 1005);
    const res = await send(
      `${flawed.url}/api/orders`,
      jsonRequest("POST", { item: "Cable tie", quantity: 10 }, bearer(token)),
    );
    assert.equal(res.status, 201);
    assert.equal(typeof res.json().id, "number");
    assert.ok(res.json().id > 1005);
    assert.equal(res.headers.location, `/api/orders/${res.json().id}`);
  });

  test("sequential-ids off: orders get random UUIDs", async () => {
    const token = await login(hardened, "carol");
    for (const order of (await ordersOf(hardened, token)).items) assert.match(order.id, UUID);
  });
});
