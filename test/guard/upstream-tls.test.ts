import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { TLSSocket } from "node:tls";
import { generate } from "selfsigned";
import { RampartError } from "../../src/core/errors.js";
import { loadGuard } from "../../src/guard/config/load.js";
import { buildRouteTable } from "../../src/guard/config/route-table.js";
import type { GuardConfig } from "../../src/guard/config/schema.js";
import { startGuard } from "../../src/guard/server.js";
import { send } from "../helpers/demo-client.js";
import { logSink } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "rampart-upstream-tls-"));
const servers: Server[] = [];
after(() => Promise.all(servers.map((s) => new Promise((done) => s.close(done)))));

type Pem = { cert: string; private: string };
type AltName = { type: 2; value: string } | { type: 7; ip: string };
let ca: Pem;
let otherCa: Pem;

/** A CA of our own: what a company's internal PKI looks like to the guard. */
async function authority(name: string): Promise<Pem> {
  return generate([{ name: "commonName", value: name }], {
    keyType: "ec",
    algorithm: "sha256",
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
}

async function issued(
  by: Pem,
  commonName: string,
  altNames: AltName[],
  usage: { serverAuth?: boolean; clientAuth?: boolean },
): Promise<Pem> {
  return generate([{ name: "commonName", value: commonName }], {
    keyType: "ec",
    algorithm: "sha256",
    ca: { key: by.private, cert: by.cert },
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, critical: true },
      { name: "extKeyUsage", ...usage },
      { name: "subjectAltName", altNames },
    ],
  });
}

function write(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

/**
 * An https upstream with a certificate from `ca`; it answers with the common name of the client
 * certificate it was shown, and refuses clients without one when `requireClientCert`.
 */
async function httpsUpstream(cert: Pem, requireClientCert: boolean): Promise<string> {
  const server = createServer(
    {
      cert: cert.cert,
      key: cert.private,
      ca: ca.cert,
      requestCert: true,
      rejectUnauthorized: requireClientCert,
    },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ client: peer?.subject?.CN ?? null }));
    },
  );
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return `https://127.0.0.1:${(server.address() as { port: number }).port}`;
}

async function guardFor(upstream: GuardConfig["upstreams"]) {
  const guard = await startGuard({
    table: buildRouteTable(
      { listen: "127.0.0.1:0", upstreams: upstream, routes: [{ path: "/who", public: true }] },
      { source: "test" },
      dir,
    ),
    log: logSink(),
  });
  return guard;
}

let localhostUpstream: string;
let mtlsUpstream: string;
let internalNameUpstream: string;

before(async () => {
  [ca, otherCa] = await Promise.all([authority("Rampart Test CA"), authority("Someone Else CA")]);
  const ip: AltName[] = [
    { type: 2, value: "localhost" },
    { type: 7, ip: "127.0.0.1" },
  ];
  const [server, internal, client] = await Promise.all([
    issued(ca, "localhost", ip, { serverAuth: true }),
    issued(ca, "api.internal", [{ type: 2, value: "api.internal" }], { serverAuth: true }),
    issued(ca, "rampart-guard", [{ type: 2, value: "rampart-guard" }], { clientAuth: true }),
  ]);
  write("ca.pem", ca.cert);
  write("other-ca.pem", otherCa.cert);
  write("client.pem", client.cert);
  write("client-key.pem", client.private);
  localhostUpstream = await httpsUpstream(server, false);
  mtlsUpstream = await httpsUpstream(server, true);
  internalNameUpstream = await httpsUpstream(internal, false);
});

describe("TLS towards the upstream", () => {
  test("a certificate from a private CA is refused (502) while the system's CAs are trusted", async () => {
    const guard = await guardFor({ default: { url: localhostUpstream } });
    try {
      const res = await send(`${guard.url}/who`);
      assert.equal(res.status, 502);
      assert.equal(res.headers["content-type"], "application/problem+json");
    } finally {
      await guard.close();
    }
  });

  test("tls.ca trusts the private CA: the request goes through, verified", async () => {
    const guard = await guardFor({ default: { url: localhostUpstream, tls: { ca: "ca.pem" } } });
    try {
      const res = await send(`${guard.url}/who`);
      assert.equal(res.status, 200);
      assert.deepEqual(res.json(), { client: null });
    } finally {
      await guard.close();
    }
  });

  test("a certificate from another CA is still refused with tls.ca set (no blanket trust)", async () => {
    const guard = await guardFor({
      default: { url: localhostUpstream, tls: { ca: "other-ca.pem" } },
    });
    try {
      assert.equal((await send(`${guard.url}/who`)).status, 502);
    } finally {
      await guard.close();
    }
  });

  test("mutual TLS: an upstream that requires a client certificate gets the guard's", async () => {
    const without = await guardFor({ default: { url: mtlsUpstream, tls: { ca: "ca.pem" } } });
    try {
      assert.equal((await send(`${without.url}/who`)).status, 502, "no certificate: refused");
    } finally {
      await without.close();
    }
    const withCert = await guardFor({
      default: {
        url: mtlsUpstream,
        tls: { ca: "ca.pem", cert: "client.pem", key: "client-key.pem" },
      },
    });
    try {
      const res = await send(`${withCert.url}/who`);
      assert.equal(res.status, 200);
      assert.deepEqual(res.json(), { client: "rampart-guard" });
    } finally {
      await withCert.close();
    }
  });

  test("serverName: a certificate for another host name passes only when that name is set", async () => {
    const mismatch = await guardFor({
      default: { url: internalNameUpstream, tls: { ca: "ca.pem" } },
    });
    try {
      assert.equal(
        (await send(`${mismatch.url}/who`)).status,
        502,
        "127.0.0.1 is not api.internal",
      );
    } finally {
      await mismatch.close();
    }
    const named = await guardFor({
      default: { url: internalNameUpstream, tls: { ca: "ca.pem", serverName: "api.internal" } },
    });
    try {
      assert.equal((await send(`${named.url}/who`)).status, 200);
    } finally {
      await named.close();
    }
  });

  test("a reload with a rotated CA file builds a new pool that trusts it", async () => {
    const config = (caFile: string) =>
      buildRouteTable(
        {
          listen: "127.0.0.1:0",
          upstreams: { default: { url: localhostUpstream, tls: { ca: caFile } } },
          routes: [{ path: "/who", public: true }],
        },
        { source: "test" },
        dir,
      );
    write("rotating-ca.pem", otherCa.cert);
    const guard = await startGuard({ table: config("rotating-ca.pem"), log: logSink() });
    try {
      assert.equal((await send(`${guard.url}/who`)).status, 502);
      write("rotating-ca.pem", ca.cert);
      guard.swap(config("rotating-ca.pem"));
      assert.equal((await send(`${guard.url}/who`)).status, 200);
    } finally {
      await guard.close();
    }
  });

  test("config mistakes are all reported at once, with their paths", () => {
    try {
      buildRouteTable(
        {
          upstreams: {
            plain: { url: "http://127.0.0.1:1", tls: { ca: "ca.pem" } },
            half: { url: "https://127.0.0.1:1", tls: { cert: "client.pem" } },
            missing: { url: "https://127.0.0.1:1", tls: { ca: "nowhere.pem" } },
          },
          routes: [{ path: "/who", public: true, upstream: "plain" }],
        },
        { source: "test" },
        dir,
      );
      assert.fail("expected an error");
    } catch (error) {
      assert.ok(error instanceof RampartError, String(error));
      assert.equal(error.code, "ERR_CONFIG_INVALID");
      assert.deepEqual(
        error.problems.map((p) => `${p.path}: ${p.message}`),
        [
          "/guard/upstreams/plain/tls: TLS settings need an https:// upstream URL (this one is plain http://)",
          "/guard/upstreams/half/tls: cert and key go together: set both for mutual TLS, or neither",
          `/guard/upstreams/missing/tls/ca: no such file: ${join(dir, "nowhere.pem")}`,
        ],
      );
    }
  });

  test("the schema refuses unknown TLS fields (no way to switch verification off)", async () => {
    const path = join(dir, "insecure.yaml");
    writeFileSync(
      path,
      [
        "guard:",
        "  upstreams:",
        "    default:",
        "      url: https://127.0.0.1:1",
        "      tls: { ca: ca.pem, rejectUnauthorized: false }",
        "  routes:",
        "    - path: /who",
        "      public: true",
        "",
      ].join("\n"),
    );
    await assert.rejects(
      () => loadGuard({ config: path }, dir),
      (error: unknown) => {
        assert.ok(error instanceof RampartError, String(error));
        assert.equal(error.code, "ERR_CONFIG_INVALID");
        const text = error.problems.map((p) => `${p.path}: ${p.message}`).join("\n");
        assert.match(text, /\/guard\/upstreams\/default\/tls.*rejectUnauthorized/);
        return true;
      },
    );
  });
});
