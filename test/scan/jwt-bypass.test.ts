import assert from "node:assert/strict";
import { createHmac, createPublicKey, randomBytes, verify } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { describe, test } from "node:test";
import { JWT_CHECKS } from "../../src/scan/checks/jwt/index.js";
import { runScan } from "../../src/scan/engine.js";
import { send } from "../helpers/demo-client.js";
import { catalog, countingServer } from "./scan-helpers.js";

/** An HS256 token with a random secret, valid for five minutes. */
function strongToken(): string {
  const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub: "u1", iat: now, exp: now + 300 })}`;
  const secret = randomBytes(32);
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
}

/** A loopback API whose only resource needs a bearer token that `accepts` approves. */
function api(accepts: (token: string) => Promise<boolean>, real: string) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
    const answer = async () =>
      token === undefined ? false : token === real || (await accepts(token));
    void answer().then((ok) => {
      res.writeHead(ok ? 200 : 401, {
        "content-type": "application/json",
        ...(ok ? {} : { "www-authenticate": 'Bearer realm="test"' }),
      });
      res.end(ok ? '{"me":"u1"}' : '{"error":"unauthorized"}');
    });
  };
}

async function scanWith(accepts: (token: string) => Promise<boolean>) {
  const bearer = strongToken();
  const server = await countingServer(api(accepts, bearer));
  try {
    return await runScan({ target: server.url, bearer }, { catalog, checks: JWT_CHECKS });
  } finally {
    await server.close();
  }
}

describe("forgery bypasses against hand-made servers", () => {
  test("x5u injection: a server that fetches the token's x5u certificate is caught", async () => {
    const trustsX5u = async (token: string) => {
      const [h = "", p = "", s = ""] = token.split(".");
      const header = JSON.parse(Buffer.from(h, "base64url").toString()) as { x5u?: string };
      if (!header.x5u?.startsWith("http://127.0.0.1:")) return false;
      const cert = (await send(header.x5u)).body;
      try {
        const key = createPublicKey(cert);
        return verify(
          "sha256",
          Buffer.from(`${h}.${p}`),
          { key, dsaEncoding: "ieee-p1363" },
          Buffer.from(s, "base64url"),
        );
      } catch {
        return false;
      }
    };
    const report = await scanWith(trustsX5u);
    const found = report.findings.filter((f) => f.checkId === "jwt-02-key-url");
    assert.deepEqual(
      found.map((f) => f.title),
      ["JWT signed with a certificate fetched from its x5u URL accepted"],
    );
    assert.match(found[0]?.evidence.note ?? "", /"x5u":"http:\/\/127\.0\.0\.1:\d+\/cert\.pem"/);
    assert.deepEqual(
      report.findings.filter((f) => f.checkId === "jwt-02-forgery"),
      [],
    );
  });

  test("signature not verified: a server that only decodes is reported once, not per forgery", async () => {
    const decodesOnly = async (token: string) => token.split(".").length === 3;
    const report = await scanWith(decodesOnly);
    const found = report.findings.filter((f) => f.checkId === "jwt-02-forgery");
    assert.deepEqual(
      found.map((f) => f.title),
      ["JWT signature not verified: a token with a corrupted signature is accepted"],
    );
    assert.equal(found[0]?.severity, "critical");
  });

  test("a server that checks the signature accepts no forgery and the secret is not guessed", async () => {
    const report = await scanWith(async () => false);
    assert.deepEqual(
      report.findings.map((f) => f.title),
      [],
    );
    assert.equal(report.checks.find((c) => c.id === "jwt-02-forgery")?.status, "ran");
    assert.equal(report.checks.find((c) => c.id === "jwt-01-weak-secret")?.status, "ran");
  });

  test("jku fetched but refused: the server-side fetch is reported at medium", async () => {
    const fetchesJku = async (token: string) => {
      const header = JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString()) as {
        jku?: string;
      };
      if (header.jku?.startsWith("http://127.0.0.1:")) await send(header.jku);
      return false;
    };
    const report = await scanWith(fetchesJku);
    const found = report.findings.filter((f) => f.checkId === "jwt-02-key-url");
    assert.equal(found.length, 1);
    assert.equal(found[0]?.severity, "medium");
    assert.match(found[0]?.evidence.note ?? "", /\/jwks\.json/);
  });
});

describe("forgery proven where a missing token gets 200 and a failure in the body", () => {
  /** The same API, refusing with `200 {"success": false}` as some frameworks do. */
  async function scanSoftRefusal(acceptsNone: boolean) {
    const bearer = strongToken();
    const server = await countingServer((req, res) => {
      const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
      const header = token
        ? (JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString() || "{}") as {
            alg?: string;
          })
        : {};
      const ok = token === bearer || (acceptsNone && header.alg?.toLowerCase() === "none");
      res.writeHead(200, { "content-type": "application/json" });
      res.end(ok ? '{"me":"u1","plan":"pro"}' : '{"success":false,"message":"please log in"}');
    });
    try {
      return await runScan({ target: server.url, bearer }, { catalog, checks: JWT_CHECKS });
    } finally {
      await server.close();
    }
  }

  test("alg none accepted: found, the refusal described as a 200 with a failure in the body", async () => {
    const report = await scanSoftRefusal(true);
    const found = report.findings.filter((f) => f.checkId === "jwt-02-forgery");
    assert.deepEqual(
      found.map((f) => f.title),
      ['Unsigned JWT accepted (alg "none")'],
    );
    assert.match(found[0]?.evidence.note ?? "", /without a token 200 with a failure in the body/);
  });

  test("every forgery answered with the failure body: silent, and JWT-02 is decided", async () => {
    const report = await scanSoftRefusal(false);
    assert.deepEqual(
      report.findings.filter((f) => f.checkId === "jwt-02-forgery"),
      [],
    );
    assert.equal(report.checks.find((c) => c.id === "jwt-02-forgery")?.status, "ran");
  });
});
