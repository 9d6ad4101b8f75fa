import { Command, CommanderError, Option } from "commander";
import { formatError, RampartError } from "../core/errors.js";
import { REPORT_FORMATS } from "../report/formats.js";
import { VERSION } from "../version.js";
import type { CliIO } from "./io.js";

/**
 * Runs the `rampart` command line and resolves to the process exit code. Never throws and never
 * prints a stack trace: errors become one line with a stable code (see DESIGN.md, exit codes).
 *
 * @example
 * ```ts
 * const code = await run(["checklist", "--format", "json"], { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env });
 * ```
 */
export async function run(argv: readonly string[], io: CliIO): Promise<number> {
  let exitCode = 0;
  const program = new Command("rampart")
    .description("Makes the API Security Checklist executable.")
    .version(VERSION, "-V, --version")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // Usage errors are reported once, in our own one-line format, by the catch below.
      outputError: () => {},
    })
    .showHelpAfterError(false)
    .allowExcessArguments(false);

  program
    .command("checklist")
    .description("List every checklist item with its coverage and the attestations of manual items")
    .addOption(
      new Option("--format <format>", "output format")
        .choices(["text", "json", "markdown"])
        .default("text"),
    )
    .option("-c, --config <file>", "rampart.yaml with attestations of manual items")
    .option("-o, --output <file>", "write the output to a file instead of stdout")
    .action(async (options) => {
      const { checklistCommand } = await import("./checklist.js");
      exitCode = await checklistCommand(options, io);
    });

  program
    .command("demo-api")
    .description("Start the deliberately flawed demo API on loopback (or its hardened twin)")
    .option("--flaws <list>", 'flaws to switch on: "all", "none" or a comma-separated list', "all")
    .option("--port <port>", "plain HTTP port (0 picks a free one)", "8088")
    .option(
      "--tls-port <port>",
      "also serve HTTPS on this port with a generated self-signed certificate",
    )
    .addOption(
      new Option("--host <host>", "loopback address to bind")
        .choices(["127.0.0.1", "::1"])
        .default("127.0.0.1"),
    )
    .option(
      "--public-url <url>",
      "the URL clients use when the demo runs behind a gateway (its issuer and metadata name it)",
    )
    .option("--list-flaws", "list the flaw switches and exit")
    .action(async (options) => {
      const { demoApiCommand } = await import("./demo-api.js");
      exitCode = await demoApiCommand(options, io);
    });

  program
    .command("guard")
    .description("Run the secure-by-default gateway in front of an HTTP upstream")
    .option("-c, --config <file>", "rampart.yaml with a guard: section")
    .option("--upstream <url>", "upstream origin, e.g. http://127.0.0.1:3000 (overrides the file)")
    .option("--openapi <file>", "derive the routes from an OpenAPI document")
    .option("--listen <host:port>", "proxy listener (overrides the file)")
    .option("--admin <host:port>", "admin listener for /metrics, /healthz, /readyz")
    .option("--store <url>", "memory, or redis://host:port to share limits across processes")
    .option(
      "--workers <n>",
      "serve with n processes (node:cluster); needs a redis store for limits",
    )
    .option("--check", "validate, print the effective route table and exit")
    .action(async (options) => {
      const { guardCommand } = await import("./guard.js");
      exitCode = await guardCommand(options, io);
    });

  const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
  program
    .command("scan")
    .description("Verify a live API against the checklist (loopback or any URL you may test)")
    .argument("<url>", "base URL of the API, e.g. https://api.example.com")
    .option("--openapi <file|url>", "the API's OpenAPI document (else discovered)")
    .option("--postman <file>", "a Postman collection (v2.x): more operations to scan")
    .option("--har <file>", "a HAR recording (browser or proxy): more operations to scan")
    .option(
      "--base-path <path>",
      "where the document's operations are (default: its server's path)",
    )
    .option(
      "--behind-tls-proxy",
      "TLS ends at a proxy in front of the target: transport findings become info",
    )
    .option(
      "--proxy <url>",
      "send every request through this proxy (default: HTTPS_PROXY / HTTP_PROXY)",
    )
    .option("--ca <file>", "PEM CA to trust for an HTTPS proxy's own certificate")
    .addOption(
      new Option("--profile <profile>", "safe, or full to add intrusive checks")
        .choices(["safe", "full"])
        .default("safe"),
    )
    .option("--max-requests <n>", "requests at most (default 500; 2000 with --profile full)")
    .option("--rate <n>", "requests per second at most")
    .option("--concurrency <n>", "requests in flight at most (default 8)")
    .option("--timeout <seconds>", "per request (default 10)")
    .option(
      "--header <header>",
      'extra header for in-scope requests, "Name: value" (repeatable)',
      collect,
    )
    .option("--bearer <token>", "bearer token for in-scope requests")
    .option("--public-key <file>", "PEM public key of the API's JWTs (key-confusion forgery)")
    .option(
      "--scope <origin>",
      "another origin the scan may send requests to (repeatable)",
      collect,
    )
    .addOption(new Option("--format <format>", "report format").choices([...REPORT_FORMATS]))
    .option(
      "-o, --output <file|fmt=file>",
      "write the report to FILE, or format FMT to FILE (repeatable)",
      collect,
    )
    .option(
      "--fail-on <severity>",
      "exit 1 on findings at or above: critical|high|medium|low|info|none",
      "high",
    )
    .option("-c, --config <file>", "rampart.yaml (ignore: entries, scan: login recipe)")
    .option("--baseline <file>", "an earlier --format json report: mark findings new or unchanged")
    .action(async (url, options) => {
      const { scanCommand } = await import("./scan.js");
      exitCode = await scanCommand(url, options, io);
    });

  program
    .command("audit")
    .description(
      "Audit OpenAPI 2.0 / 3.0 / 3.1 documents (YAML or JSON) against the checklist: one report",
    )
    .argument(
      "<file...>",
      "OpenAPI documents: files, globs (quoted: 'apis/**/*.yaml'), - for standard input, or http(s) URLs",
    )
    .addOption(new Option("--format <format>", "report format").choices([...REPORT_FORMATS]))
    .option(
      "-o, --output <file|fmt=file>",
      "write the report to FILE, or format FMT to FILE (repeatable)",
      collect,
    )
    .option(
      "--fail-on <severity>",
      "exit 1 on findings at or above: critical|high|medium|low|info|none",
      "high",
    )
    .option(
      "--min-severity <severity>",
      "show only findings at or above: critical|high|medium|low|info (the exit code still counts all)",
    )
    .option("-q, --quiet", "print only the findings that fail the run (--fail-on), one line each")
    .option(
      "--show-info",
      "list every info finding in the text report (default: one line per rule)",
    )
    .option(
      "--rules <ids>",
      "run only these rules: ids, tags or item ids, comma-separated (see rampart rules)",
      collect,
    )
    .option("--skip-rules <ids>", "leave out these rules: ids, tags or item ids", collect)
    .option("-c, --config <file>", "rampart.yaml (ignore: entries)")
    .option("--baseline <file>", "an earlier --format json report: mark findings new or unchanged")
    .option("--allow-remote-refs", "fetch $refs to http(s) URLs (off: the audit makes no request)")
    .option("--sarif-base-dir <dir>", "SARIF file locations relative to this directory (default .)")
    .action(async (files, options) => {
      const { auditCommand } = await import("./audit.js");
      exitCode = await auditCommand(files, options, io);
    });

  program
    .command("rules")
    .description("List the audit rules, or explain one with an example and the fix")
    .argument("[id]", "a rule id, e.g. secret-in-url")
    .addOption(
      new Option("--format <format>", "output format").choices(["text", "json"]).default("text"),
    )
    .action(async (id, options) => {
      const { rulesCommand } = await import("./rules.js");
      exitCode = await rulesCommand(id, options, io);
    });

  program
    .command("demo")
    .description(
      "Scan the demo API flawed, flawed behind rampart guard, and hardened, side by side, and write an HTML report",
    )
    .option("--output <file>", "the HTML report", "rampart-report.html")
    .action(async (options) => {
      const { demoCommand } = await import("./demo.js");
      exitCode = await demoCommand(options, io);
    });

  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === "commander.helpDisplayed" ||
        error.code === "commander.version" ||
        error.code === "commander.help"
      ) {
        return 0;
      }
      const message = error.message.replace(/^error:\s*/i, "");
      io.stderr.write(
        `${formatError(new RampartError("ERR_USAGE", `${message} (see rampart --help)`))}\n`,
      );
      return 2;
    }
    if (error instanceof RampartError) {
      io.stderr.write(`${formatError(error)}\n`);
      return error.exitCode;
    }
    io.stderr.write(`${formatError(error)}\n`);
    if (io.env.RAMPART_DEBUG === "1" && error instanceof Error && error.stack)
      io.stderr.write(`${error.stack}\n`);
    return 70;
  }
}
