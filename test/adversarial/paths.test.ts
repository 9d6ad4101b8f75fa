// Path confusion (RFC 3986 section 6, UTS #15): a target the guard routes as one thing and an
// upstream resolves to another. /admin is allow-listed to 10.0.0.0/8 (the test client,
// 127.0.0.1, is outside) and /private needs an API key. Each case first shows that a permissive
// upstream with no guard in front resolves the target to the protected path, then that through
// the guard it is refused and nothing reaches the upstream.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { assertRefusedOrClosed, bypassSuite, exchange, http11, lenientPath } from "./fixture.js";

const suite = bypassSuite();

const get = (path: string) => http11("GET", path, ["Connection: close"]);

/** [attack, target, the protected path a permissive upstream resolves it to] */
const attacks: [string, string, string][] = [
  ["dot-dot segment", "/public/../admin", "/admin"],
  ["dot-dot segment to the non-public route", "/public/../private", "/private"],
  ["dot segment", "/./admin", "/admin"],
  ["encoded dot-dot (%2e%2e)", "/public/%2e%2e/admin", "/admin"],
  ["encoded dot-dot, mixed case (%2E%2e)", "/public/%2E%2e/admin", "/admin"],
  ["encoded slash hiding a traversal inside one segment", "/public/..%2fadmin", "/admin"],
  ["double-encoded dot (%252e)", "/public/%252e%252e/admin", "/admin"],
  ["double-encoded slash (%252f)", "/public/..%252fadmin", "/admin"],
  ["encoded NUL before the route", "/admin%00", "/admin"],
  ["leading double slash", "//admin", "/admin"],
  ["double slash in the middle", "/public//../admin", "/admin"],
  ["backslash traversal", "/public/..\\admin", "/admin"],
  ["encoded backslash traversal", "/public/..%5cadmin", "/admin"],
  ["; path parameter", "/admin;x=1", "/admin"],
  ["; path parameter on the non-public route", "/private;jsessionid=1", "/private"],
  ["; parameter hiding a traversal", "/public/a;/../../admin", "/admin"],
  ["upper case", "/ADMIN", "/admin"],
  ["mixed case", "/Admin", "/admin"],
  ["trailing dot", "/admin.", "/admin"],
  ["trailing dots", "/admin...", "/admin"],
  ["trailing slash", "/admin/", "/admin"],
  ["trailing dot and slash", "/admin./", "/admin"],
  ["overlong UTF-8 dot-dot (%c0%ae)", "/public/%c0%ae%c0%ae/admin", "/admin"],
  [
    "overlong UTF-8 dot-dot and slash inside one segment",
    "/public/%C0%AE%C0%AE%C0%AFadmin",
    "/admin",
  ],
  [
    "fullwidth solidus U+FF0F and full stops U+FF0E in one segment",
    "/public/%EF%BC%8E%EF%BC%8E%EF%BC%8Fadmin",
    "/admin",
  ],
  ["fullwidth letters (ａｄｍｉｎ)", "/%EF%BD%81%EF%BD%84%EF%BD%8D%EF%BD%89%EF%BD%8E", "/admin"],
  [
    "one-dot leaders U+2024 as a dot-dot segment",
    "/public/%E2%80%A4%E2%80%A4%EF%BC%8Fprivate",
    "/private",
  ],
  ["unreserved letters percent-encoded, upper case (%41DMIN)", "/%41DMIN", "/admin"],
];

describe("path confusion against an allow-listed route and a non-public route", () => {
  for (const [name, path, protectedPath] of attacks)
    test(`path confusion: ${name} (${path}) never reaches the upstream as ${protectedPath}`, async () => {
      assert.equal(lenientPath(path), protectedPath);
      await exchange(suite.permissive.url, get(path));
      assert.deepEqual(
        suite.permissive.seen.map((s) => s.effective),
        [protectedPath],
        "without the guard the target reaches the protected path",
      );

      const ex = await exchange(suite.target.url, get(path));
      assertRefusedOrClosed(ex);
      assert.equal(ex.responses.length, 1);
      assert.deepEqual(suite.target.upstream.requests, [], `${path} reached the upstream`);
    });

  test("path confusion: raw Unicode look-alikes (ａｄｍｉｎ as UTF-8 bytes) are refused", async () => {
    const bytes = Buffer.concat([
      Buffer.from("GET /public/"),
      Buffer.from("．．／ａｄｍｉｎ", "utf8"),
      Buffer.from(" HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n"),
    ]);
    const ex = await exchange(suite.target.url, bytes);
    assertRefusedOrClosed(ex);
    assert.equal(suite.target.upstream.requests.length, 0);
  });

  test("a client-claimed address in the allow-list (X-Forwarded-For: 10.0.0.1) is not believed", async () => {
    const ex = await exchange(
      suite.target.url,
      http11("GET", "/admin", [
        "X-Forwarded-For: 10.0.0.1",
        "X-Real-IP: 10.0.0.1",
        "Connection: close",
      ]),
    );
    assert.equal(ex.responses[0]?.status, 403);
    assert.equal(suite.target.upstream.requests.length, 0);
  });

  test("the allow-listed route refuses the client as written too (control for the cases above)", async () => {
    const ex = await exchange(suite.target.url, get("/admin"));
    assert.equal(ex.responses[0]?.status, 403);
    const sub = await exchange(suite.target.url, get("/admin/1"));
    assert.equal(sub.responses[0]?.status, 403);
    assert.equal(suite.target.upstream.requests.length, 0);
  });
});

describe("canonical paths of allowed routes still pass (the cases above can fail)", () => {
  const allowed: [string, string][] = [
    ["a plain public path", "/public/report.json"],
    ["an encoded unreserved character, decoded", "/public/%72eport.json"],
    ["a non-ASCII file name that folds to no delimiter (é)", "/public/caf%C3%A9"],
    ["fullwidth letters inside a public segment (no delimiter)", "/public/%EF%BD%81"],
  ];
  for (const [name, path] of allowed)
    test(`${name} (${path}) reaches the upstream in canonical form`, async () => {
      const ex = await exchange(suite.target.url, get(path));
      assert.deepEqual(
        ex.responses.map((r) => r.status),
        [200],
      );
      const [seen] = suite.target.upstream.requests;
      assert.ok(seen?.url.startsWith("/public/"), String(seen?.url));
      assert.ok(!seen?.url.includes("%72"), "unreserved escapes are decoded before forwarding");
    });
});
