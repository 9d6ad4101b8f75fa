import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { connect } from "node:tls";
import { generate } from "selfsigned";
import { buildRouteTable } from "../../src/guard/config/route-table.js";
import { type Guard, startGuard } from "../../src/guard/server.js";
import { send } from "../helpers/demo-client.js";
import { logSink, type RecordingUpstream, startUpstream } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "rampart-guard-tls-"));
let upstream: RecordingUpstream;
let guard: Guard;
let log: ReturnType<typeof logSink>;

before(async () => {
  const pems = await generate([{ name: "commonName", value: "localhost" }], {
    keySize: 2048,
    algorithm: "sha256",
  });
  writeFileSync(join(dir, "cert.pem"), pems.cert);
  writeFileSync(join(dir, "key.pem"), pems.private);
  upstream = await startUpstream();
  log = logSink();
  guard = await startGuard({
    table: buildRouteTable(
      {
        listen: "127.0.0.1:0",
        upstream: upstream.url,
        tls: { cert: "cert.pem", key: "key.pem", httpRedirect: "127.0.0.1:0" },
        routes: [{ path: "/api/data", public: true }],
      },
      { source: "test" },
      dir,
    ),
    log,
  });
});
after(async () => {
  await guard.close();
  await upstream.close();
});

function handshake(options: {
  maxVersion?: "TLSv1.1" | "TLSv1.2";
  ciphers?: string;
}): Promise<string> {
  const port = Number(new URL(guard.url).port);
  return new Promise((resolve, reject) => {
    const socket = connect(
      {
        host: "127.0.0.1",
        port,
        rejectUnauthorized: false,
        ...options,
        ...(options.maxVersion === "TLSv1.1" ? { minVersion: "TLSv1" } : {}),
      },
      () => {
        const protocol = socket.getProtocol() ?? "";
        socket.end();
        resolve(protocol);
      },
    );
    socket.on("error", reject);
  });
}

function peerName(): Promise<string> {
  const port = Number(new URL(guard.url).port);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, rejectUnauthorized: false }, () => {
      const cn = socket.getPeerCertificate().subject?.CN;
      socket.end();
      resolve(String(cn));
    });
    socket.on("error", reject);
  });
}

describe("TLS termination (ACC-02, ACC-03)", () => {
  test("HTTPS serves with HSTS; no plain-HTTP warning", async () => {
    assert.match(guard.url, /^https:/);
    const res = await send(`${guard.url}/api/data`);
    assert.equal(res.status, 200);
    assert.equal(res.headers["strict-transport-security"], "max-age=31536000; includeSubDomains");
    assert.equal(upstream.requests.at(-1)?.headers["x-forwarded-proto"], "https");
    assert.ok(!log.lines.some((l) => l.event === "plain-http"));
  });

  test("TLS 1.2 and 1.3 handshakes succeed", async () => {
    assert.equal(await handshake({ maxVersion: "TLSv1.2" }), "TLSv1.2");
    assert.equal(await handshake({}), "TLSv1.3");
  });

  test("downgrade attempt: a TLS 1.1 client is refused", async () => {
    await assert.rejects(handshake({ maxVersion: "TLSv1.1", ciphers: "DEFAULT:@SECLEVEL=0" }));
  });

  test("downgrade attempt: a CBC-only TLS 1.2 client is refused", async () => {
    await assert.rejects(
      handshake({ maxVersion: "TLSv1.2", ciphers: "AES128-SHA:ECDHE-RSA-AES128-SHA" }),
    );
  });

  test("the plain listener only redirects to HTTPS (308), it never proxies", async () => {
    const before = upstream.requests.length;
    const res = await send(`${guard.redirectUrl}/api/data?x=1`, {
      headers: { Host: "localhost:80" },
    });
    assert.equal(res.status, 308);
    assert.equal(res.headers.location, `https://localhost:${new URL(guard.url).port}/api/data?x=1`);
    assert.equal(upstream.requests.length, before);
  });

  test("a reloaded table brings the new certificate to new connections", async () => {
    assert.equal(await peerName(), "localhost");
    const pems = await generate([{ name: "commonName", value: "renewed.localhost" }], {
      keySize: 2048,
      algorithm: "sha256",
    });
    writeFileSync(join(dir, "cert2.pem"), pems.cert);
    writeFileSync(join(dir, "key2.pem"), pems.private);
    guard.swap(
      buildRouteTable(
        {
          listen: "127.0.0.1:0",
          upstream: upstream.url,
          tls: { cert: "cert2.pem", key: "key2.pem" },
          routes: [{ path: "/api/data", public: true }],
        },
        { source: "test" },
        dir,
      ),
    );
    assert.equal(await peerName(), "renewed.localhost");
    assert.equal((await send(`${guard.url}/api/data`)).status, 200);
  });
});
