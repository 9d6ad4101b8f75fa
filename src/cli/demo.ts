import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { generate } from "selfsigned";
import { parse, stringify } from "yaml";
import { DEMO_CLIENT_ID, DEMO_REDIRECT_URI } from "../../demo/oauth/client.js";
import { type DemoApi, startDemoApi } from "../../demo/server.js";
import { DEMO_USERS } from "../../demo/store.js";
import { type Catalog, loadCatalog } from "../catalog/catalog.js";
import { RampartError } from "../core/errors.js";
import type { Report } from "../core/report.js";
import { loadGuard } from "../guard/config/load.js";
import { GUARD_POLICIES } from "../guard/registry.js";
import { type Guard, startGuard } from "../guard/server.js";
import { formatHtmlComparison } from "../report/index.js";
import { runScan } from "../scan/engine.js";
import { SCAN_CHECKS } from "../scan/registry.js";
import type { CliIO } from "./io.js";

export interface DemoOptions {
  /** Where the HTML comparison goes (relative to the cwd). */
  readonly output: string;
}

/** The three columns of `rampart demo`, in order. */
export const DEMO_COLUMNS = ["flawed", "behind guard", "hardened"] as const;

/**
 * `rampart demo`: starts the demo API flawed and hardened on loopback (HTTPS and plain HTTP on
 * ephemeral ports), puts `rampart guard` (HTTPS, demo/guard.yaml, validating against the demo's
 * contract) in front of another flawed one, scans the three with the full profile logged in
 * as a demo user (the intrusive probes too: the three APIs are the scan's own, started for it,
 * and injections, mass assignment and bombs are what the guard's positive model stops), prints
 * the grades side by side with the items whose verdicts differ and, one line each, why the
 * guard cannot fix what still fails behind it, writes the HTML comparison, stops everything
 * and exits 0.
 *
 * @example
 * ```ts
 * await demoCommand({ output: "rampart-report.html" }, io); // 0
 * ```
 */
export async function demoCommand(options: DemoOptions, io: CliIO): Promise<number> {
  const catalog = loadCatalog();
  const { username, password } = DEMO_USERS.alice;
  const login = { path: "/auth/login", body: { username, password } };
  // The demo's registered OAuth client, as in demo/rampart.yaml: the OAuth checks act as it.
  const config = {
    oauth: { clientId: DEMO_CLIENT_ID, redirectUri: DEMO_REDIRECT_URI, scopes: ["orders:read"] },
  };
  const signal = io.signal ? { signal: io.signal } : {};
  const dir = mkdtempSync(join(tmpdir(), "rampart-demo-"));
  const running: { close(): Promise<void> }[] = [];
  const track = <T extends { close(): Promise<void> }>(started: T): T => {
    running.push(started);
    return started;
  };
  let reports: Report[];
  try {
    // The guard gets a flawed demo of its own, so that no scan sees another's traffic; it listens
    // on plain HTTP only, as an upstream behind a TLS-terminating gateway does.
    const [flawed, upstream, hardened, pems] = await Promise.all([
      startDemoApi({ flaws: "all", port: 0, tlsPort: 0 }).then(track),
      startDemoApi({ flaws: "all", port: 0 }).then(track),
      startDemoApi({ flaws: "none", port: 0, tlsPort: 0 }).then(track),
      loopbackCertificate(),
    ]);
    const guard = await guardInFront(upstream, dir, pems).then(track);
    // Behind the guard, the demo's issuer and OAuth metadata name the guard's URL, as an API
    // behind a gateway is configured to.
    upstream.setPublicUrl(guard.url);
    io.stdout.write(
      "Scanning the demo API: flawed, flawed behind rampart guard, and hardened, side by side...\n",
    );
    reports = await Promise.all(
      [
        // Each demo's plain-HTTP port is its own (it says so in its document): in scope. The
        // guard is reached on its HTTPS origin only, as a client in front of it would, and the
        // scan gets the document the guard was configured with (the guard does not publish it).
        { target: flawed.tlsUrl ?? flawed.url, scope: [flawed.url] },
        { target: guard.url, scope: [], openapi: join(dir, "openapi.json") },
        { target: hardened.tlsUrl ?? hardened.url, scope: [hardened.url] },
      ].map((target) =>
        runScan(
          { ...target, login, config, profile: "full", ...signal },
          { catalog, checks: SCAN_CHECKS },
        ),
      ),
    );
  } finally {
    await Promise.all(running.map((r) => r.close()));
    rmSync(dir, { recursive: true, force: true });
  }
  const labelled = DEMO_COLUMNS.map((label, i) => ({ label, report: reports[i] as Report }));
  io.stdout.write(`${sideBySide(labelled, catalog)}\n`);
  const html = formatHtmlComparison(labelled, { catalog });
  const path = resolve(io.cwd, options.output);
  try {
    writeFileSync(path, html);
  } catch (error) {
    throw new RampartError(
      "ERR_USAGE",
      `cannot write ${options.output}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  io.stdout.write(`Report written to ${options.output}\n`);
  return 0;
}

/** demo/guard.yaml as shipped: the config a user would write for the flawed demo. */
const DEMO_GUARD_CONFIG = new URL("../../demo/guard.yaml", import.meta.url);

/**
 * The guard as a user would run it in front of the flawed demo: demo/guard.yaml (routes, scopes,
 * token exchange, limits, lockout, validation), the demo's contract as its OpenAPI document
 * (`--openapi`: the positive model), plus TLS with a certificate from files.
 */
async function guardInFront(
  api: DemoApi,
  dir: string,
  pems: { cert: string; private: string },
): Promise<Guard> {
  // The contract the guard enforces (the positive model): the API as designed, not the
  // flawed code's own description of itself.
  const response = await fetch(`${api.url}/contract.json`);
  writeFileSync(join(dir, "openapi.json"), await response.text());
  writeFileSync(join(dir, "cert.pem"), pems.cert);
  writeFileSync(join(dir, "key.pem"), pems.private, { mode: 0o600 });
  const config = parse(readFileSync(DEMO_GUARD_CONFIG, "utf8")) as {
    guard: Record<string, unknown>;
  };
  config.guard.tls = { cert: "cert.pem", key: "key.pem" };
  writeFileSync(join(dir, "rampart.yaml"), stringify(config));
  const table = await loadGuard(
    { config: "rampart.yaml", upstream: api.url, listen: "127.0.0.1:0", openapi: "openapi.json" },
    dir,
  );
  return startGuard({ table, log: { write: () => true }, logLevel: "silent" });
}

/**
 * A self-signed certificate for 127.0.0.1 and localhost, valid for a day. ECDSA P-256: as strong
 * as RSA 3072 (NIST SP 800-57) and generated in milliseconds rather than a second.
 */
function loopbackCertificate(): Promise<{ cert: string; private: string }> {
  return generate([{ name: "commonName", value: "localhost" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notAfterDate: new Date(Date.now() + 24 * 60 * 60 * 1000),
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 7, ip: "127.0.0.1" },
        ],
      },
    ],
  });
}

function sideBySide(
  columns: readonly { label: string; report: Report }[],
  catalog: Catalog,
): string {
  const row = (label: string, cells: readonly string[]) =>
    `  ${label.padEnd(12)}${cells.map((c) => c.padEnd(18)).join("")}`.trimEnd();
  const of = (label: string, f: (r: Report) => string) =>
    row(
      label,
      columns.map(({ report }) => f(report)),
    );
  const lines = [
    row(
      "",
      columns.map((c) => c.label),
    ),
    of("grade", (r) => `${r.grade} (${r.score}/100)`),
    // The score stops at 0: the count of failing items shows progress below it.
    of("failing", (r) => String(r.items.filter((i) => i.verdict === "fail").length)),
    of("findings", (r) => String(r.findings.length)),
    of("requests", (r) => String(r.requests ?? 0)),
    of("duration", (r) => `${(r.durationMs / 1000).toFixed(1)} s`),
    "",
    "  Items whose verdict differs:",
  ];
  const verdicts = columns.map(({ report }) => new Map(report.items.map((i) => [i.id, i.verdict])));
  const guarded = columns[1]?.report;
  const enforced = new Set(GUARD_POLICIES.flatMap((p) => p.items));
  const unfixed: string[] = [];
  for (const item of catalog.items) {
    const cells = verdicts.map((v) => v.get(item.id) ?? "-");
    if (new Set(cells).size > 1) lines.push(row(item.id, cells));
    if (cells[1] !== "fail" || cells[2] === "fail" || !guarded) continue;
    unfixed.push(`  ${item.id.padEnd(10)}${whyUnfixed(item, guarded, enforced)}`);
  }
  if (unfixed.length > 0)
    lines.push(
      "",
      "  Still failing behind the guard, and why it cannot fix them at the edge:",
      ...unfixed,
    );
  const weakSecret = verdicts[0]?.get("JWT-01") === "fail" && verdicts[1]?.get("JWT-01") !== "fail";
  if (weakSecret)
    lines.push(
      "",
      "  Note on JWT-01, which the edge cannot fix: the upstream still signs its tokens with a",
      "  dictionary word. Behind the guard no client ever holds one of them (the guard exchanges",
      "  them for its own ES256 tokens), so the scan cannot test the secret there; change it upstream.",
    );
  return lines.join("\n");
}

/** One line: why an item the hardened demo passes still fails behind the guard. */
function whyUnfixed(
  item: Catalog["items"][number],
  guarded: Report,
  enforced: ReadonlySet<string>,
): string {
  if (enforced.has(item.id)) {
    const ids = new Set(guarded.items.find((i) => i.id === item.id)?.findings ?? []);
    const titles = guarded.findings.filter((f) => ids.has(f.id)).map((f) => f.title);
    return `enforced on requests by the guard; what remains is in the upstream's design: ${[...new Set(titles)].join("; ")}`;
  }
  if (item.capabilities.includes("guard"))
    return `${item.title}: demo/guard.yaml does not enforce it; fix it in the upstream`;
  return `${item.title}: beyond a gateway (the upstream's own logic, tokens or data); fix it in the upstream`;
}
