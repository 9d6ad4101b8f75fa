import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { generate } from "selfsigned";
import { runCli } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "rampart-guard-check-"));

function config(name: string, guard: string): string {
  writeFileSync(
    join(dir, name),
    `guard:\n  upstream: http://127.0.0.1:9\n  listen: 127.0.0.1:0\n${guard}  routes:\n    - { path: /health, public: true }\n`,
  );
  return name;
}

/** Where --check and start disagree today, they must not: the same code, the same lines. */
async function checkAndStart(file: string) {
  const check = await runCli(["guard", "-c", file, "--check"], { cwd: dir });
  // Start would serve until aborted: an abort after start would make this a hang, not a pass.
  const start = await runCli(["guard", "-c", file], {
    cwd: dir,
    signal: AbortSignal.timeout(20_000),
  });
  return { check, start };
}

describe("rampart guard --check does what start does short of listening", () => {
  before(async () => {
    const a = await generate([{ name: "commonName", value: "localhost" }], { keySize: 2048 });
    const b = await generate([{ name: "commonName", value: "other" }], { keySize: 2048 });
    writeFileSync(join(dir, "cert.pem"), a.cert);
    writeFileSync(join(dir, "key.pem"), a.private);
    writeFileSync(join(dir, "other-key.pem"), b.private);
    writeFileSync(join(dir, "not-pem.pem"), "this is no certificate\n");
  });

  test("a certificate that is no PEM, a key that is none or belongs to another certificate: exit 2 with every problem, at check and at start", async () => {
    const cases: [string, string, RegExp][] = [
      [
        "not-pem.yaml",
        "  tls: { cert: not-pem.pem, key: key.pem }\n",
        /not-pem\.yaml:4:\d+ \/guard\/tls\/cert: not a PEM certificate/,
      ],
      [
        "bad-key.yaml",
        "  tls: { cert: cert.pem, key: not-pem.pem }\n",
        /bad-key\.yaml:4:\d+ \/guard\/tls\/key: not a PEM private key/,
      ],
      [
        "mismatch.yaml",
        "  tls: { cert: cert.pem, key: other-key.pem }\n",
        /\/guard\/tls\/key: not the private key of the certificate/,
      ],
    ];
    for (const [name, tls, problem] of cases) {
      const { check, start } = await checkAndStart(config(name, tls));
      for (const [what, run] of [
        ["--check", check],
        ["start", start],
      ] as const) {
        assert.equal(run.code, 2, `${name} ${what}: ${run.stderr}`);
        assert.match(run.stderr, /^rampart: ERR_CONFIG_INVALID /, `${name} ${what}`);
        assert.match(run.stderr, problem, `${name} ${what}`);
        assert.doesNotMatch(run.stderr, /ERR_INTERNAL|\n\s+at /);
      }
      assert.equal(check.stdout, "", "no route table for a config that cannot start");
    }
  });

  test("an upstream CA that is no certificate is refused before the first request", async () => {
    writeFileSync(
      join(dir, "upstream-ca.yaml"),
      "guard:\n  upstreams:\n    api:\n      url: https://127.0.0.1:9\n      tls: { ca: not-pem.pem }\n  routes:\n    - { path: /health, public: true }\n",
    );
    const { code, stderr } = await runCli(["guard", "-c", "upstream-ca.yaml", "--check"], {
      cwd: dir,
    });
    assert.equal(code, 2);
    assert.match(stderr, /\/guard\/upstreams\/api\/tls\/ca: not a PEM certificate/);
  });

  test("a good certificate and key pass, and --check prints start's warnings", async () => {
    const file = config("ok.yaml", "  tls: { cert: cert.pem, key: key.pem }\n");
    const { code, stdout, stderr } = await runCli(["guard", "-c", file, "--check"], { cwd: dir });
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^listen {3}https:\/\/127\.0\.0\.1:0/);
    assert.equal(
      stderr,
      "rampart: warning: no route has rate limits (ACC-01); add limits: to the routes or to defaults:\n",
    );
    const limited = config(
      "limited.yaml",
      "  defaults:\n    limits: [{ key: ip, spike: { perSecond: 50, burst: 100 } }]\n",
    );
    const quiet = await runCli(["guard", "-c", limited, "--check"], { cwd: dir });
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stderr, "");
  });

  test("--listen 127.0.0.1:99999 and --listen nonsense: one error code, as in a file", async () => {
    const codes = new Set<string>();
    for (const listen of ["127.0.0.1:99999", "nonsense", "[::1]:65536"]) {
      const { code, stderr } = await runCli(
        ["guard", "--upstream", "http://127.0.0.1:9", "--listen", listen, "--check"],
        { cwd: dir },
      );
      assert.equal(code, 2, listen);
      assert.match(
        stderr,
        /\/listen: must be a HOST:PORT address such as 127\.0\.0\.1:8080 \(port 0 to 65535\)/,
      );
      codes.add(/^rampart: (ERR_\w+)/.exec(stderr)?.[1] ?? stderr);
    }
    writeFileSync(
      join(dir, "port.yaml"),
      "guard:\n  upstream: http://127.0.0.1:9\n  listen: 127.0.0.1:99999\n",
    );
    const file = await runCli(["guard", "-c", "port.yaml", "--check"], { cwd: dir });
    assert.equal(file.code, 2);
    assert.match(file.stderr, /port\.yaml:3:\d+ \/guard\/listen: must be a HOST:PORT/);
    codes.add(/^rampart: (ERR_\w+)/.exec(file.stderr)?.[1] ?? file.stderr);
    assert.deepEqual([...codes], ["ERR_CONFIG_INVALID"]);
    const edge = await runCli(
      ["guard", "--upstream", "http://127.0.0.1:9", "--listen", "127.0.0.1:65535", "--check"],
      { cwd: dir },
    );
    assert.equal(edge.code, 0, edge.stderr);
  });
});
