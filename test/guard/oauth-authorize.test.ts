import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { RampartError } from "../../src/core/errors.js";
import { buildRouteTable } from "../../src/guard/config/route-table.js";
import type { Guard } from "../../src/guard/server.js";
import { guardFor, type RecordingUpstream, startUpstream } from "./helpers.js";

const REDIRECT = "https://client.test/callback";
const GOOD = {
  client_id: "web",
  redirect_uri: REDIRECT,
  response_type: "code",
  state: "af0ifjsldkj",
  code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
  code_challenge_method: "S256",
};

describe("OAuth authorization requests at the edge (OAUTH-01..03)", () => {
  let upstream: RecordingUpstream;
  let guard: Guard;
  before(async () => {
    upstream = await startUpstream();
    upstream.reply = () => ({ status: 302, headers: { location: `${REDIRECT}?code=abc` } });
    guard = await guardFor(upstream.url, {
      routes: [
        {
          path: "/authorize",
          public: true,
          oauthAuthorize: { clients: { web: { redirectUris: [REDIRECT] } } },
        },
      ],
    });
  });
  after(async () => {
    await guard.close();
    await upstream.close();
  });

  async function authorize(params: Record<string, string>, raw = ""): Promise<Response> {
    const query = new URLSearchParams(params).toString() + raw;
    return fetch(`${guard.url}/authorize?${query}`, { redirect: "manual" });
  }

  async function refused(params: Record<string, string>, detail: RegExp, raw = ""): Promise<void> {
    upstream.reset();
    upstream.reply = () => ({ status: 302, headers: { location: `${REDIRECT}?code=abc` } });
    const res = await authorize(params, raw);
    assert.equal(res.status, 400, JSON.stringify(params) + raw);
    assert.equal(res.headers.get("location"), null, "never a redirect to an untrusted URI");
    assert.match(await res.text(), detail);
    assert.equal(upstream.requests.length, 0);
  }

  test("a well-formed request of a registered client passes", async () => {
    upstream.reset();
    upstream.reply = () => ({ status: 302, headers: { location: `${REDIRECT}?code=abc` } });
    const res = await authorize(GOOD);
    assert.equal(res.status, 302);
    assert.equal(upstream.requests.length, 1);
  });

  for (const [name, uri] of [
    ["foreign host", "https://evil.test/callback"],
    ["host prefix", "https://client.test.evil.test/callback"],
    ["userinfo", "https://client.test@evil.test/callback"],
    ["path suffix", `${REDIRECT}/../../evil`],
    ["extra parameter", `${REDIRECT}?next=https://evil.test`],
    ["plain http", "http://client.test/callback"],
    ["case change", "https://CLIENT.test/callback"],
    ["trailing slash", `${REDIRECT}/`],
  ] as const)
    test(`redirect_uri bypass refused: ${name}`, () =>
      refused({ ...GOOD, redirect_uri: uri }, /redirect_uri is not registered/));

  test("implicit grant refused (response_type=token)", () =>
    refused({ ...GOOD, response_type: "token" }, /response_type must be one of: code/));
  test("PKCE missing, or plain, refused", async () => {
    const { code_challenge: _c, code_challenge_method: _m, ...withoutPkce } = GOOD;
    await refused(withoutPkce, /PKCE is required/);
    await refused({ ...GOOD, code_challenge_method: "plain" }, /PKCE is required/);
  });
  test("state missing refused", async () => {
    const { state: _s, ...withoutState } = GOOD;
    await refused(withoutState, /state is required/);
  });
  test("unknown client refused", () =>
    refused({ ...GOOD, client_id: "other" }, /Unknown client_id/));
  test("parameter pollution refused: a second redirect_uri appended", () =>
    refused(GOOD, /may appear once/, `&redirect_uri=${encodeURIComponent("https://evil.test/")}`));

  test("without redirect_uri, the one registered URI is implied; with two registered it is required", async () => {
    const { redirect_uri: _r, ...implied } = GOOD;
    upstream.reset();
    upstream.reply = () => ({ status: 302, headers: { location: `${REDIRECT}?code=abc` } });
    assert.equal((await authorize(implied)).status, 302);
    const two = await guardFor(upstream.url, {
      routes: [
        {
          path: "/authorize",
          public: true,
          oauthAuthorize: {
            clients: { web: { redirectUris: [REDIRECT, "https://client.test/other"] } },
          },
        },
      ],
    });
    try {
      const res = await fetch(`${two.url}/authorize?${new URLSearchParams(implied)}`, {
        redirect: "manual",
      });
      assert.equal(res.status, 400);
    } finally {
      await two.close();
    }
  });

  test("config: a redirect URI with a fragment is refused with its path", () => {
    assert.throws(
      () =>
        buildRouteTable({
          upstream: upstream.url,
          routes: [
            {
              path: "/authorize",
              public: true,
              oauthAuthorize: { clients: { web: { redirectUris: ["https://client.test/cb#x"] } } },
            },
          ],
        }),
      (error: unknown) => {
        assert.ok(error instanceof RampartError);
        assert.equal(error.code, "ERR_CONFIG_INVALID");
        assert.deepEqual(
          error.problems.map((p) => `${p.path}: ${p.message}`),
          [
            '/guard/routes/0: oauth-authorize: client "web": redirect URI "https://client.test/cb#x" must be absolute and without a fragment (RFC 6749 3.1.2)',
          ],
        );
        return true;
      },
    );
  });
});
