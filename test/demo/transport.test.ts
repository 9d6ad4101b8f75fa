import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, type SecureVersion } from "node:tls";
import type { DemoApi } from "../../demo/server.js";
import { send, startDemo } from "../helpers/demo-client.js";

interface Handshake {
  readonly ok: boolean;
  readonly protocol?: string | null;
  readonly cipher?: string;
  readonly altNames?: string | undefined;
}

/** A bare TLS handshake; the client offers legacy protocols and suites too (security level 0). */
function handshake(
  url: string | undefined,
  version: SecureVersion,
  ciphers = "DEFAULT:@SECLEVEL=0",
): Promise<Handshake> {
  const port = Number(new URL(String(url)).port);
  return new Promise((resolve) => {
    const socket = connect({
      host: "127.0.0.1",
      port,
      minVersion: "TLSv1",
      maxVersion: version,
      ciphers,
      rejectUnauthorized: false,
    });
    socket.once("secureConnect", () => {
      resolve({
        ok: true,
        protocol: socket.getProtocol(),
        cipher: socket.getCipher().name,
        altNames: socket.getPeerCertificate().subjectaltname,
      });
      socket.end();
    });
    socket.once("error", () => resolve({ ok: false }));
  });
}

describe("transport: TLS, HTTPS redirect, HSTS", () => {
  let hardened: DemoApi;
  let flawed: DemoApi;
  before(async () => {
    [hardened, flawed] = await Promise.all([
      startDemo("none", { tlsPort: 0 }),
      startDemo("weak-tls,plain-http,no-hsts", { tlsPort: 0 }),
    ]);
  });
  after(() => Promise.all([hardened.close(), flawed.close()]));

  test("weak-tls on: TLS 1.0 and TLS 1.1 handshakes succeed", async () => {
    const tls10 = await handshake(flawed.tlsUrl, "TLSv1");
    const tls11 = await handshake(flawed.tlsUrl, "TLSv1.1");
    assert.deepEqual([tls10.ok, tls10.protocol], [true, "TLSv1"]);
    assert.deepEqual([tls11.ok, tls11.protocol], [true, "TLSv1.1"]);
  });

  test("weak-tls on: a legacy CBC suite without forward secrecy is accepted", async () => {
    const result = await handshake(flawed.tlsUrl, "TLSv1.2", "AES128-SHA:@SECLEVEL=0");
    assert.deepEqual([result.ok, result.cipher], [true, "AES128-SHA"]);
  });

  test("weak-tls off: TLS 1.0 and TLS 1.1 handshakes fail", async () => {
    assert.equal((await handshake(hardened.tlsUrl, "TLSv1")).ok, false);
    assert.equal((await handshake(hardened.tlsUrl, "TLSv1.1")).ok, false);
  });

  test("weak-tls off: legacy suites are refused, TLS 1.2 negotiates an ECDHE AEAD suite", async () => {
    assert.equal((await handshake(hardened.tlsUrl, "TLSv1.2", "AES128-SHA:@SECLEVEL=0")).ok, false);
    const result = await handshake(hardened.tlsUrl, "TLSv1.2");
    assert.equal(result.protocol, "TLSv1.2");
    assert.match(
      String(result.cipher),
      /^ECDHE-(?:RSA|ECDSA)-(?:AES\d+-GCM-SHA\d+|CHACHA20-POLY1305)$/,
    );
  });

  test("TLS 1.2 and 1.3 work in both modes; the certificate names 127.0.0.1 and localhost", async () => {
    for (const api of [hardened, flawed]) {
      const tls12 = await handshake(api.tlsUrl, "TLSv1.2");
      const tls13 = await handshake(api.tlsUrl, "TLSv1.3");
      assert.deepEqual([tls12.protocol, tls13.protocol], ["TLSv1.2", "TLSv1.3"]);
      assert.match(String(tls12.altNames), /DNS:localhost/);
      assert.match(String(tls12.altNames), /IP Address:127\.0\.0\.1/);
    }
  });

  test("plain-http off: GET on the plain port answers 301 to the same path and query on HTTPS", async () => {
    const res = await send(`${hardened.url}/api/orders?limit=5&offset=1`);
    assert.equal(res.status, 301);
    assert.equal(res.headers.location, `${hardened.tlsUrl}/api/orders?limit=5&offset=1`);
    assert.equal(res.body, "");
  });

  test("plain-http off: POST on the plain port answers 308, which keeps the method", async () => {
    const res = await send(`${hardened.url}/auth/login`, { method: "POST", body: "{}" });
    assert.equal(res.status, 308);
    assert.equal(res.headers.location, `${hardened.tlsUrl}/auth/login`);
  });

  test("plain-http on: the plain port serves the API", async () => {
    const res = await send(`${flawed.url}/health`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { status: "ok" });
  });

  test("no-hsts off: HTTPS responses carry Strict-Transport-Security for two years", async () => {
    const res = await send(`${hardened.tlsUrl}/health`);
    assert.equal(res.status, 200);
    assert.equal(res.headers["strict-transport-security"], "max-age=63072000; includeSubDomains");
  });

  test("no-hsts on: HTTPS responses carry no Strict-Transport-Security", async () => {
    const res = await send(`${flawed.tlsUrl}/health`);
    assert.equal(res.status, 200);
    assert.equal(res.headers["strict-transport-security"], undefined);
  });

  test("HSTS is never sent over plain HTTP, redirect or not", async () => {
    const redirect = await send(`${hardened.url}/health`);
    assert.equal(redirect.headers["strict-transport-security"], undefined);
    const plainOnly = await startDemo("none");
    try {
      const res = await send(`${plainOnly.url}/health`);
      assert.equal(res.status, 200);
      assert.equal(res.headers["strict-transport-security"], undefined);
    } finally {
      await plainOnly.close();
    }
  });

  test("the base URL is the HTTPS one when TLS is on", () => {
    assert.equal(hardened.context.baseUrl(), hardened.tlsUrl);
  });
});
