import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { WEAK_JWT_SECRET } from "../../demo/auth/keys.js";
import { ACCESS_TOKEN_AUDIENCE } from "../../demo/auth/tokens.js";
import { bearer, demoPool, login, send } from "../helpers/demo-client.js";
import { guardFor, type RecordingUpstream, startUpstream } from "./helpers.js";

// Real login tokens of the demo API, verified by a guard that trusts the demo as an issuer.
// The demo signs with the jwt.io secret (JWT-01 cannot be fixed at the edge), hence the
// explicit allowWeakSecret; every other token flaw must be refused by the guard.
const demo = demoPool();
let upstream: RecordingUpstream;

before(async () => {
  upstream = await startUpstream();
});
after(async () => {
  await upstream.close();
});

async function statusThroughGuard(flaws: string): Promise<number> {
  const api = await demo(flaws);
  const token = await login(api, "alice");
  const guard = await guardFor(upstream.url, {
    routes: [{ path: "/api/orders" }],
    auth: {
      issuers: [
        {
          name: "demo",
          issuer: api.url,
          audience: ACCESS_TOKEN_AUDIENCE,
          algorithms: ["HS256"],
          key: { secret: WEAK_JWT_SECRET },
          allowWeakSecret: true,
          // The demo's tokens carry no nbf: accepting that is this explicit loosening.
          requiredClaims: ["iss", "aud", "exp", "iat"],
        },
      ],
    },
  });
  try {
    upstream.reset();
    const res = await send(`${guard.url}/api/orders`, { headers: bearer(token) });
    if (res.status !== 200) assert.equal(upstream.requests.length, 0);
    return res.status;
  } finally {
    await guard.close();
  }
}

describe("authentication with the demo API's own login tokens", () => {
  test("a well-formed demo token passes (no false refusal)", async () => {
    assert.equal(await statusThroughGuard("weak-jwt-secret"), 200);
  });

  test("a token living 30 days is refused although signed (long-exp, JWT-03)", async () => {
    assert.equal(await statusThroughGuard("weak-jwt-secret,long-exp"), 401);
  });

  test("a token without exp is refused (no-exp, JWT-03)", async () => {
    assert.equal(await statusThroughGuard("weak-jwt-secret,no-exp"), 401);
  });

  test("a token carrying the password hash and card is refused (sensitive-claims, JWT-04)", async () => {
    assert.equal(await statusThroughGuard("weak-jwt-secret,sensitive-claims"), 401);
  });

  test("a token padded beyond 8 KiB is refused (oversized-token, JWT-05)", async () => {
    assert.equal(await statusThroughGuard("weak-jwt-secret,oversized-token"), 401);
  });
});
