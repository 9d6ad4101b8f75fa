/**
 * Rampart's version, as in package.json (scripts/pack-check.mjs compares the installed CLI's
 * `--version` with it). Its own module: the CLI's commands and the reports read it without
 * importing the command-line entry point.
 *
 * @example
 * ```ts
 * import { VERSION } from "./version.js"; // "0.1.0"
 * ```
 */
export const VERSION = "0.1.0";
