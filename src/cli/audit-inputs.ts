import { type Dirent, readdirSync, statSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { RampartError } from "../core/errors.js";
import { loadOpenApiFile, loadOpenApiText } from "../openapi/load.js";
import type { LoadedDocument } from "../openapi/types.js";
import type { CliIO } from "./io.js";

/** The name a document read from standard input carries in locations and the report. */
export const STDIN_NAME = "<stdin>";

/** Largest document read from standard input (the loader's default for files). */
const STDIN_MAX_BYTES = 64 * 1024 * 1024;

/**
 * The documents named on the command line, in order and without repeats: `-` is standard input
 * (once), an http(s) URL is fetched, a name with `*`, `?` or `[` that is not a file is a glob
 * (`**` crosses directories; node_modules and dot-directories are not searched). A glob that
 * matches nothing is a usage error.
 *
 * @example
 * ```ts
 * expandInputs(["apis/*.yaml", "-"], "/repo"); // ["apis/a.yaml", "apis/b.yaml", "-"]
 * ```
 */
export function expandInputs(inputs: readonly string[], cwd: string): string[] {
  if (inputs.filter((i) => i === "-").length > 1)
    throw new RampartError("ERR_USAGE", "standard input (-) can be audited once per run");
  const out: string[] = [];
  const add = (name: string) => {
    if (!out.includes(name)) out.push(name);
  };
  for (const input of inputs) {
    if (input === "-" || /^https?:\/\//i.test(input) || !/[*?[]/.test(input) || isFile(cwd, input))
      add(input);
    else {
      const matched = globFiles(input, cwd);
      if (matched.length === 0) throw new RampartError("ERR_USAGE", `no file matches "${input}"`);
      for (const m of matched) add(m);
    }
  }
  return out;
}

/** Loads one input: standard input, a URL or a file. */
export async function loadInput(
  input: string,
  io: CliIO,
  options: { readonly allowRemoteRefs: boolean },
): Promise<LoadedDocument> {
  const load = { cwd: io.cwd, allowRemoteRefs: options.allowRemoteRefs };
  if (input !== "-") return loadOpenApiFile(input, load);
  if (!io.stdin)
    throw new RampartError("ERR_OPENAPI_READ", "no standard input to read", {
      source: STDIN_NAME,
    });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of io.stdin) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk);
    size += buffer.length;
    if (size > STDIN_MAX_BYTES)
      throw new RampartError("ERR_OPENAPI_READ", `larger than ${STDIN_MAX_BYTES} bytes`, {
        source: STDIN_NAME,
      });
    chunks.push(buffer);
  }
  // Relative $refs of a document on stdin resolve against the working directory.
  return loadOpenApiText(Buffer.concat(chunks).toString("utf8"), STDIN_NAME, load);
}

function isFile(cwd: string, name: string): boolean {
  try {
    return statSync(resolve(cwd, name)).isFile();
  } catch {
    return false;
  }
}

/** Files under `cwd` that a glob matches, sorted, written as the glob was (relative or not). */
function globFiles(pattern: string, cwd: string): string[] {
  const parts = pattern.split(/[\\/]/);
  const fixed: string[] = [];
  while (parts.length > 1 && !/[*?[]/.test(parts[0] as string)) fixed.push(parts.shift() as string);
  const base = fixed.length === 0 ? "" : fixed.join("/") || "/";
  const root = resolve(cwd, base || ".");
  const matcher = globRegExp(parts.join("/"));
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 32) return;
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
        walk(full, depth + 1);
      } else if (entry.isFile()) {
        const rel = relative(root, full).split(sep).join("/");
        if (matcher.test(rel)) found.push(base === "" ? rel : `${base.replace(/\/$/, "")}/${rel}`);
      }
    }
  };
  walk(root, 0);
  return found.sort();
}

function globRegExp(glob: string): RegExp {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] as string;
    if (ch === "*" && glob[i + 1] === "*") {
      // `**/` is zero or more directories; a trailing `**` is anything.
      if (glob[i + 2] === "/") {
        out += "(?:.*/)?";
        i += 2;
      } else {
        out += ".*";
        i += 1;
      }
    } else if (ch === "*") out += "[^/]*";
    else if (ch === "?") out += "[^/]";
    else if (ch === "[") {
      const end = glob.indexOf("]", i + 1);
      if (end < 0) out += "\\[";
      else {
        const body = glob
          .slice(i + 1, end)
          .replace(/^!/, "^")
          .replace(/\\/g, "\\\\");
        out += `[${body}]`;
        i = end;
      }
    } else out += ch.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${out}$`);
}
