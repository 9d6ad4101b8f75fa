import { Command, CommanderError, Option } from "commander";
import { formatError, RampartError } from "../core/errors.js";
import type { CliIO } from "./io.js";

export const VERSION = "0.1.0";

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
    .option("--list-flaws", "list the flaw switches and exit")
    .action(async (options) => {
      const { demoApiCommand } = await import("./demo-api.js");
      exitCode = await demoApiCommand(options, io);
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
