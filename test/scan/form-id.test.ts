import assert from "node:assert/strict";
import type { IncomingMessage, ServerResponse } from "node:http";
import { after, before, describe, test } from "node:test";
import { loadCatalog } from "../../src/catalog/catalog.js";
import type { Report } from "../../src/core/report.js";
import { formIdCheck } from "../../src/scan/checks/access-control/form-id.js";
import type { ScanConfig } from "../../src/scan/config.js";
import { runScan } from "../../src/scan/engine.js";
import { scanConfigOptions } from "../../src/scan/identities.js";
import { findingsOf } from "./access-helpers.js";
import { textBodyServer } from "./scan-helpers.js";

/**
 * A server-rendered app (no API description): a session cookie names the user, `GET
 * /account/edit` shows the caller's record in a form with a hidden `id`, and `POST
 * /account/edit` saves it. `trustsBody`: the record to save is the one the body's id names (the
 * flaw), else the session's.
 */
function app(trustsBody: boolean) {
  const users = new Map([
    ["7", { name: "Ann Example", email: "ann@example.test" }],
    ["9", { name: "Ben Example", email: "ben@example.test" }],
  ]);
  const sessions: Readonly<Record<string, string>> = { "sid-ann": "7", "sid-ben": "9" };
  const handler = (req: IncomingMessage, body: string, res: ServerResponse) => {
    const html = (status: number, content: string) => {
      res.writeHead(status, { "content-type": "text/html; charset=utf-8" });
      res.end(`<!doctype html><html><body>${content}</body></html>`);
    };
    const sid = /(?:^|;\s*)sid=([^;]+)/.exec(req.headers.cookie ?? "")?.[1] ?? "";
    const me = sessions[sid];
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/") return html(200, '<a href="/account/edit">Edit your account</a>');
    if (!me) return html(401, "<p>Please log in</p>");
    if (path !== "/account/edit") return html(404, "<p>Not found</p>");
    if (req.method === "GET") {
      const user = users.get(me);
      return html(
        200,
        `<form method="post" action="/account/edit"><input type="hidden" name="id" value="${me}">` +
          `<input name="name" value="${user?.name}"><input name="email" value="${user?.email}">` +
          '<input type="password" name="password" value=""><input type="submit" value="Save"></form>',
      );
    }
    const fields = new URLSearchParams(body);
    const target = trustsBody ? (fields.get("id") ?? me) : me;
    const user = users.get(target);
    if (user)
      users.set(target, {
        name: fields.get("name") ?? user.name,
        email: fields.get("email") ?? user.email,
      });
    res.writeHead(302, { location: "/account/edit" });
    res.end();
  };
  return { handler, users };
}

/** Serves `handler` on loopback with each request's body read as text. */
function serve(handler: ReturnType<typeof app>["handler"]) {
  return textBodyServer(handler);
}

const CONFIG: ScanConfig = {
  identities: [
    { name: "ann", cookies: { sid: "sid-ann" } },
    { name: "ben", cookies: { sid: "sid-ben" } },
  ],
};

function scan(url: string): Promise<Report> {
  return runScan(
    { target: url, profile: "full", ...scanConfigOptions(CONFIG, false) },
    { catalog: loadCatalog(), checks: [formIdCheck] },
  );
}

describe("PROC-02 through the id of an edit form (server-rendered app, DVNA-like)", () => {
  let server: Awaited<ReturnType<typeof serve>>;
  let users: ReturnType<typeof app>["users"];
  let report: Report;
  before(async () => {
    const api = app(true);
    users = api.users;
    server = await serve(api.handler);
    report = await scan(server.url);
  });
  after(() => server.close());

  test("ann's form posted with ben's id renames ben: found, with the field and the id", () => {
    const [finding] = findingsOf(report, "proc-02-form-id");
    assert.equal(
      finding?.title,
      "User edits another user's record through the id in a form (BOLA)",
    );
    assert.match(finding?.detail ?? "", /with id=9 \(the id in "ben"'s own form\)/);
    assert.match(finding?.evidence.note ?? "", /name of "ben" before: "Ben Example"/);
  });

  test("both records are as they were after the scan", () => {
    assert.deepEqual(Object.fromEntries(users), {
      "7": { name: "Ann Example", email: "ann@example.test" },
      "9": { name: "Ben Example", email: "ben@example.test" },
    });
  });
});

describe("PROC-02 through the id of an edit form, against an app that saves the session's record", () => {
  let server: Awaited<ReturnType<typeof serve>>;
  let users: ReturnType<typeof app>["users"];
  before(async () => {
    const api = app(false);
    users = api.users;
    server = await serve(api.handler);
  });
  after(() => server.close());

  test("silent, the form counted as tried, and ann's own record put back", async () => {
    const report = await scan(server.url);
    assert.deepEqual(findingsOf(report, "proc-02-form-id"), []);
    const run = report.checks.find((c) => c.id === "proc-02-form-id");
    assert.equal(run?.status, "ran");
    assert.deepEqual(users.get("7"), { name: "Ann Example", email: "ann@example.test" });
    assert.deepEqual(users.get("9"), { name: "Ben Example", email: "ben@example.test" });
  });
});
