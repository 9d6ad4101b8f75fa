import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { DEMO_CLIENT_ID, DEMO_REDIRECT_URI } from "../../demo/oauth/client.js";
import type { DemoApi } from "../../demo/server.js";
import { DEMO_USERS } from "../../demo/store.js";
import { bearer, demoPool, type RawResponse, send } from "../helpers/demo-client.js";
import { headerOf, payloadOf } from "./jwt-forge.js";

/** One demo per flaw selection, shared by the tests of this file. */
const demo = demoPool();

/** A PKCE pair (RFC 7636 4.1, 4.2). */
function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** GET /oauth/authorize with the given parameters (null drops a default one); no redirect followed. */
function authorize(
  api: DemoApi,
  params: Record<string, string | null>,
  challenge = pkce().challenge,
) {
  const defaults: Record<string, string> = {
    client_id: DEMO_CLIENT_ID,
    redirect_uri: DEMO_REDIRECT_URI,
    response_type: "code",
    scope: "orders:read",
    state: "af0ifjsldkj",
    code_challenge: challenge,
    code_challenge_method: "S256",
  };
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries({ ...defaults, ...params })) {
    if (value !== null) query.set(name, value);
  }
  return send(`${api.url}/oauth/authorize?${query}`);
}

function location(res: RawResponse): URL {
  assert.equal(res.status, 302, res.body);
  return new URL(String(res.headers.location));
}

function exchange(api: DemoApi, fields: Record<string, string>) {
  return send(`${api.url}/oauth/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: DEMO_CLIENT_ID,
      redirect_uri: DEMO_REDIRECT_URI,
      ...fields,
    }).toString(),
  });
}

describe("authorization code flow with PKCE (hardened)", () => {
  test("authorize -> 302 back to the exact redirect URI with code, state and iss", async () => {
    const api = await demo("none");
    const back = location(await authorize(api, {}));
    assert.equal(`${back.origin}${back.pathname}`, DEMO_REDIRECT_URI);
    assert.match(back.searchParams.get("code") ?? "", /^[A-Za-z0-9_-]{43}$/);
    assert.equal(back.searchParams.get("state"), "af0ifjsldkj");
    assert.equal(back.searchParams.get("iss"), api.url);
  });

  test("token endpoint -> RS256 access token (kid of the JWKS, typ at+jwt) that reads /api/users/me as alice", async () => {
    const api = await demo("none");
    const { verifier, challenge } = pkce();
    const code = location(await authorize(api, {}, challenge)).searchParams.get("code") ?? "";
    const res = await exchange(api, { code, code_verifier: verifier });
    assert.equal(res.status, 200, res.body);
    assert.equal(res.headers["cache-control"], "no-store");
    const body = res.json();
    assert.equal(body.token_type, "Bearer");
    assert.equal(body.scope, "orders:read");
    assert.equal(body.expires_in, 600);
    const jwks = (await send(`${api.url}/.well-known/jwks.json`)).json();
    assert.deepEqual(headerOf(body.access_token), {
      alg: "RS256",
      typ: "at+jwt",
      kid: jwks.keys[0].kid,
    });
    assert.equal(payloadOf(body.access_token).client_id, DEMO_CLIENT_ID);
    const me = await send(`${api.url}/api/users/me`, { headers: bearer(body.access_token) });
    assert.equal(me.status, 200);
    assert.equal(me.json().id, DEMO_USERS.alice.id);
  });

  test("a code used twice -> invalid_grant, and the token of the first use is revoked", async () => {
    const api = await demo("none");
    const { verifier, challenge } = pkce();
    const code = location(await authorize(api, {}, challenge)).searchParams.get("code") ?? "";
    const token = (await exchange(api, { code, code_verifier: verifier })).json().access_token;
    const again = await exchange(api, { code, code_verifier: verifier });
    assert.equal(again.status, 400);
    assert.equal(again.json().error, "invalid_grant");
    assert.equal((await send(`${api.url}/api/users/me`, { headers: bearer(token) })).status, 401);
  });

  test("wrong code_verifier, or another redirect_uri at the token endpoint -> invalid_grant", async () => {
    const api = await demo("none");
    const first = location(await authorize(api, {})).searchParams.get("code") ?? "";
    const wrong = await exchange(api, { code: first, code_verifier: pkce().verifier });
    assert.deepEqual([wrong.status, wrong.json().error], [400, "invalid_grant"]);
    const { verifier, challenge } = pkce();
    const second = location(await authorize(api, {}, challenge)).searchParams.get("code") ?? "";
    const moved = await exchange(api, {
      code: second,
      code_verifier: verifier,
      redirect_uri: "https://client.demo.test/other",
    });
    assert.deepEqual([moved.status, moved.json().error], [400, "invalid_grant"]);
  });

  test("token endpoint errors follow RFC 6749 5.2", async () => {
    const api = await demo("none");
    const grant = await exchange(api, { grant_type: "password", code: "x" });
    assert.deepEqual([grant.status, grant.json().error], [400, "unsupported_grant_type"]);
    const client = await exchange(api, { client_id: "nobody", code: "x" });
    assert.deepEqual([client.status, client.json().error], [400, "invalid_client"]);
    const code = await exchange(api, { code: "made-up" });
    assert.deepEqual([code.status, code.json().error], [400, "invalid_grant"]);
  });

  test("unknown client_id -> 400 here, never a redirect", async () => {
    const api = await demo("none");
    const res = await authorize(api, { client_id: "evil-client" });
    assert.equal(res.status, 400);
    assert.equal(res.headers.location, undefined);
  });

  test("metadata (RFC 8414) names the endpoints and what is supported", async () => {
    const api = await demo("none");
    const meta = (await send(`${api.url}/.well-known/oauth-authorization-server`)).json();
    assert.equal(meta.issuer, api.url);
    assert.equal(meta.token_endpoint, `${api.url}/oauth/token`);
    assert.deepEqual(meta.response_types_supported, ["code"]);
    assert.deepEqual(meta.code_challenge_methods_supported, ["S256"]);
  });
});

describe("open-redirect-uri (OAUTH-01)", () => {
  const tricks = [
    "https://client.demo.test.evil.test/callback",
    "https://client.demo.test@evil.test/callback",
    "https://client.demo.test/callback/../../evil",
    "https://client.demo.test/other",
    "https://evil.test/callback",
  ];

  test("open-redirect-uri on: prefix tricks and foreign hosts get the code -> 302 there", async () => {
    const api = await demo("open-redirect-uri");
    for (const uri of tricks) {
      const back = location(await authorize(api, { redirect_uri: uri }));
      assert.ok(back.searchParams.get("code"), uri);
    }
    const foreign = location(await authorize(api, { redirect_uri: "https://evil.test/callback" }));
    assert.equal(foreign.host, "evil.test");
  });

  test("open-redirect-uri off: anything but the exact registered URI -> 400, no redirect", async () => {
    const api = await demo("none");
    for (const uri of [
      ...tricks,
      `${DEMO_REDIRECT_URI}/`,
      `${DEMO_REDIRECT_URI}?x=1`,
      "HTTPS://client.demo.test/callback",
    ]) {
      const res = await authorize(api, { redirect_uri: uri });
      assert.equal(res.status, 400, uri);
      assert.equal(res.headers.location, undefined, uri);
      assert.equal(res.json().error, "invalid_request");
    }
  });
});

describe("implicit-flow (OAUTH-02)", () => {
  test("implicit-flow on: response_type=token -> access token in the redirect fragment", async () => {
    const api = await demo("implicit-flow");
    const back = location(
      await authorize(api, {
        response_type: "token",
        code_challenge: null,
        code_challenge_method: null,
      }),
    );
    const fragment = new URLSearchParams(back.hash.slice(1));
    assert.equal(fragment.get("token_type"), "Bearer");
    assert.equal(fragment.get("state"), "af0ifjsldkj");
    const token = fragment.get("access_token") ?? "";
    assert.equal((await send(`${api.url}/api/users/me`, { headers: bearer(token) })).status, 200);
  });

  test("implicit-flow off: response_type=token -> redirect with error=unsupported_response_type", async () => {
    const api = await demo("none");
    const back = location(await authorize(api, { response_type: "token" }));
    assert.equal(back.searchParams.get("error"), "unsupported_response_type");
    assert.equal(back.searchParams.get("state"), "af0ifjsldkj");
    assert.equal(back.hash, "");
    assert.ok(!String(back).includes("access_token"));
  });
});

describe("pkce-optional (OAUTH-02)", () => {
  test("pkce-optional on: a code without code_challenge, exchanged without verifier -> 200", async () => {
    const api = await demo("pkce-optional");
    const back = location(
      await authorize(api, { code_challenge: null, code_challenge_method: null }),
    );
    const code = back.searchParams.get("code") ?? "";
    assert.ok(code);
    assert.equal((await exchange(api, { code })).status, 200);
  });

  test("pkce-optional on: the plain method is accepted", async () => {
    const api = await demo("pkce-optional");
    const verifier = randomBytes(32).toString("base64url");
    const back = location(await authorize(api, { code_challenge_method: "plain" }, verifier));
    const code = back.searchParams.get("code") ?? "";
    assert.equal((await exchange(api, { code, code_verifier: verifier })).status, 200);
  });

  test("pkce-optional off: no code_challenge, or plain -> redirect with error=invalid_request", async () => {
    const api = await demo("none");
    const cases: Record<string, string | null>[] = [
      { code_challenge: null, code_challenge_method: null },
      { code_challenge_method: "plain" },
      { code_challenge_method: null },
    ];
    for (const params of cases) {
      const back = location(await authorize(api, params));
      assert.equal(back.searchParams.get("error"), "invalid_request", JSON.stringify(params));
      assert.equal(back.searchParams.get("code"), null);
    }
  });
});

describe("state-optional (OAUTH-03)", () => {
  test("state-optional on: no state -> a code anyway", async () => {
    const api = await demo("state-optional");
    const back = location(await authorize(api, { state: null }));
    assert.ok(back.searchParams.get("code"));
    assert.equal(back.searchParams.get("state"), null);
  });

  test("state-optional off: no state -> redirect with error=invalid_request, no code", async () => {
    const api = await demo("none");
    const back = location(await authorize(api, { state: null }));
    assert.equal(back.searchParams.get("error"), "invalid_request");
    assert.equal(back.searchParams.get("code"), null);
  });

  test("state is echoed intact", async () => {
    const api = await demo("none");
    const state = "a b&c=d/é+%2F?#";
    assert.equal(location(await authorize(api, { state })).searchParams.get("state"), state);
  });
});

describe("scopes-not-validated (OAUTH-04)", () => {
  async function grantedScope(api: DemoApi, scope: string | null): Promise<string> {
    const { verifier, challenge } = pkce();
    const code =
      location(await authorize(api, { scope }, challenge)).searchParams.get("code") ?? "";
    const res = await exchange(api, { code, code_verifier: verifier });
    assert.equal(res.status, 200, res.body);
    return payloadOf(res.json().access_token).scope;
  }

  test("scopes-not-validated on: admin and unknown scopes granted as asked", async () => {
    const api = await demo("scopes-not-validated");
    assert.equal(await grantedScope(api, "orders:read admin"), "orders:read admin");
    assert.equal(await grantedScope(api, "root:everything"), "root:everything");
  });

  test("scopes-not-validated on: no scope -> an empty grant, no default", async () => {
    const api = await demo("scopes-not-validated");
    assert.equal(await grantedScope(api, null), "");
  });

  test("scopes-not-validated off: admin or unknown scope -> redirect with error=invalid_scope", async () => {
    const api = await demo("none");
    for (const scope of ["orders:read admin", "root:everything"]) {
      const back = location(await authorize(api, { scope }));
      assert.equal(back.searchParams.get("error"), "invalid_scope", scope);
      assert.equal(back.searchParams.get("state"), "af0ifjsldkj");
    }
  });

  test("scopes-not-validated off: no scope -> the default orders:read", async () => {
    const api = await demo("none");
    assert.equal(await grantedScope(api, null), "orders:read");
    assert.equal(await grantedScope(api, "profile orders:write"), "profile orders:write");
  });
});
