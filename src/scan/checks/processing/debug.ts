import { isObject, parseJson } from "../../discovery.js";
import { excerpt } from "../../evidence.js";
import type { CheckContext, Exchange, ScanCheck } from "../../types.js";
import { ran } from "../outcome.js";
import { malformedProbes } from "./malformed.js";
import { findStackTrace } from "./stack-traces.js";

/** Debug and admin consoles of common stacks. */
export const DEBUG_PATHS = [
  "/debug",
  "/debug/vars",
  "/debug/pprof/",
  "/debug/console",
  "/console",
  "/actuator/env",
  "/_profiler/",
  "/__debug__/",
  "/phpinfo.php",
  "/elmah.axd",
] as const;

// What each console's answer contains: its structure, never just a 200.
const CONSOLE_SIGNATURES: readonly { name: string; test: (e: Exchange) => boolean }[] = [
  { name: "Go expvar (/debug/vars)", test: (e) => jsonHas(e, ["cmdline", "memstats"]) },
  {
    name: "Spring Boot actuator env",
    test: (e) => jsonHas(e, ["propertySources"]) || jsonHas(e, ["activeProfiles"]),
  },
  { name: "Go pprof index", test: (e) => /<title>\/debug\/pprof\/<\/title>/i.test(e.body) },
  {
    name: "interactive debug console",
    test: (e) =>
      /<title>[^<]*(debug|interactive)[^<]*console[^<]*<\/title>/i.test(e.body) ||
      /Werkzeug .*[Cc]onsole/.test(e.body),
  },
  { name: "Symfony profiler", test: (e) => /Symfony Profiler/i.test(e.body) },
  { name: "phpinfo()", test: (e) => /<title>phpinfo\(\)<\/title>|PHP Version \d/.test(e.body) },
  { name: "ELMAH error log", test: (e) => /Error Log for/i.test(e.body) && /ELMAH/i.test(e.body) },
];

/**
 * PROC-08: debug mode is off. Three signs of it: stack traces or framework debug pages in error
 * bodies (errors provoked with malformed input, and every response seen), and debug consoles
 * reachable at their usual paths.
 */
export const debugCheck: ScanCheck = {
  id: "proc-08-debug",
  items: ["PROC-08"],
  severity: "high",
  intrusive: false,
  needs: [],
  title: "Debug mode off: no stack traces, debug pages or consoles",
  async run(context) {
    const findings = [];
    const probes = await malformedProbes(context);
    const bodies = [...probes, ...context.target.observed.map((o) => o.exchange)];
    if (context.target.baseline) bodies.push(context.target.baseline);
    for (const e of bodies) {
      const trace = findStackTrace(e.body);
      if (!trace) continue;
      findings.push(
        context.finding({
          title: `${trace.name} in a response`,
          detail: `${e.method} ${new URL(e.url).pathname} answered ${e.status} with a ${trace.name}: file paths, framework versions and code structure help an attacker aim.`,
          exchange: e,
          headers: ["content-type"],
          evidence: { body: excerpt(e.body, trace.index) },
          subject: "stack-trace",
        }),
      );
      break;
    }
    findings.push(...(await consoleFindings(context)));
    return ran(findings);
  },
};

async function consoleFindings(context: CheckContext) {
  const baseline = context.target.baseline;
  const answers = await Promise.all(
    DEBUG_PATHS.map((path) => context.http.trySend({ url: path, anonymous: true })),
  );
  const findings = [];
  for (const e of answers) {
    if (e?.status !== 200) continue;
    if (baseline && baseline.status === 200 && baseline.body === e.body) continue;
    const hit = CONSOLE_SIGNATURES.find((s) => s.test(e));
    if (!hit) continue;
    findings.push(
      context.finding({
        title: `Debug endpoint exposed: ${hit.name}`,
        detail: `${new URL(e.url).pathname} answers without credentials with a ${hit.name}, which shows configuration and runtime internals (and may run code).`,
        exchange: e,
        headers: ["content-type"],
        evidence: { note: `recognised as ${hit.name} by its content` },
        subject: new URL(e.url).pathname,
      }),
    );
  }
  return findings;
}

function jsonHas(e: Exchange, keys: readonly string[]): boolean {
  const json = parseJson(e.body);
  return isObject(json) && keys.every((k) => k in json);
}
