import { isObject, parseJson } from "../../discovery.js";
import { excerpt } from "../../evidence.js";
import type { CheckContext, Exchange, ScanCheck } from "../../types.js";
import { ran } from "../outcome.js";
import { passiveCheck } from "../passive-check.js";
import { malformedProbes, provokedSurface } from "./malformed.js";
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
  "/_ignition/health-check",
  "/__clockwork/app",
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
  { name: "Laravel Ignition", test: (e) => jsonHas(e, ["can_execute_commands"]) },
];

/**
 * PROC-08: debug mode is off. Errors are provoked on purpose (malformed JSON, a broken
 * percent-encoding, a made-up path) and debug consoles asked for at their usual paths; the
 * answers to those, and to every other request of the scan, are read for stack traces and debug
 * pages by {@link stackTraceCheck}.
 */
export const debugCheck: ScanCheck = {
  id: "proc-08-debug",
  items: ["PROC-08"],
  proves: ["PROC-08"],
  severity: "high",
  intrusive: false,
  needs: [],
  title: "Debug mode off: no stack traces, debug pages or consoles",
  async run(context) {
    const probes = await malformedProbes(context);
    const findings = await consoleFindings(context);
    // The surface: the operations errors were provoked on (their answers are read for traces by
    // the passive check), out of those that take malformed input.
    return ran(findings, provokedSurface(context, probes, "operations"));
  },
};

/**
 * PROC-08, passively on every answer of the scan, any status: stack traces and framework debug
 * pages, with the exchange that showed them, one finding per operation. JavaScript and CSS
 * files are not read (their text is code, not an error).
 */
export const stackTraceCheck: ScanCheck = passiveCheck({
  id: "proc-08-stack-traces",
  items: ["PROC-08"],
  proves: [],
  severity: "high",
  title: "No stack traces or debug pages in any response",
  examines: (e) =>
    !/javascript|ecmascript|text\/css|image\/|font\//i.test(e.headers["content-type"] ?? ""),
  inspect: (e) => {
    const trace = findStackTrace(e.body);
    if (!trace) return [];
    return [
      {
        subject: "stack-trace",
        finding: {
          title: `${trace.name} in a response`,
          detail: `${e.method} ${new URL(e.url).pathname} answered ${e.status} with a ${trace.name}: file paths, framework versions and code structure help an attacker aim.`,
          headers: ["content-type"],
          evidence: { body: excerpt(e.body, trace.index) },
        },
      },
    ];
  },
});

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
