// Times default `rampart scan` runs against the demo API and counts their requests.
// Usage: npm run build && node bench/scan/run.mjs [runs]
// Reproducible: the demo runs on loopback, ephemeral ports; each scan is the default safe
// profile with the default budget (500 requests, concurrency 8, no rate limit).
import { startDemoApi } from "../../dist/demo/server.js";
import { DEMO_USERS } from "../../dist/demo/store.js";
import { loadCatalog } from "../../dist/src/catalog/catalog.js";
import { runScan } from "../../dist/src/scan/engine.js";
import { SCAN_CHECKS } from "../../dist/src/scan/registry.js";

const runs = Number(process.argv[2] ?? 5);
const catalog = loadCatalog();
const login = {
  path: "/auth/login",
  body: { username: "alice", password: DEMO_USERS.alice.password },
};
const cases = [
  { name: "flawed, http", flaws: "all", tls: false, login: false },
  { name: "hardened, http", flaws: "none", tls: false, login: false },
  { name: "flawed, https+login", flaws: "all", tls: true, login: true },
  { name: "hardened, https+login", flaws: "none", tls: true, login: true },
];

const rows = [];
for (const c of cases) {
  const api = await startDemoApi({ flaws: c.flaws, port: 0, ...(c.tls ? { tlsPort: 0 } : {}) });
  const times = [];
  let report;
  try {
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      report = await runScan(
        { target: c.tls ? api.tlsUrl : api.url, ...(c.login ? { login } : {}) },
        { catalog, checks: SCAN_CHECKS },
      );
      times.push(performance.now() - started);
    }
  } finally {
    await api.close();
  }
  times.sort((a, b) => a - b);
  rows.push({
    case: c.name,
    "median ms": Math.round(times[Math.floor(times.length / 2)]),
    "max ms": Math.round(times.at(-1)),
    requests: report.requests,
    findings: report.findings.length,
    grade: `${report.grade} (${report.score})`,
  });
}
console.log(`rampart scan bench: ${runs} runs per case, node ${process.version}`);
console.table(rows);
