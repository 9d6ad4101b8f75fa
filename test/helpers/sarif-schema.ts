import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** The official SARIF 2.1.0 schema (JSON Schema draft-04), as an npm package ships it. */
const SCHEMA_MODULE = "@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json";

export type Validate = ((data: unknown) => boolean) & { errors?: unknown[] | null };

/** A validator of SARIF 2.1.0 logs, or undefined when the schema's package is not installed. */
export function sarifValidator(): Validate | undefined {
  let file: string;
  try {
    file = require.resolve(SCHEMA_MODULE);
  } catch {
    return undefined;
  }
  // draft-04 needs ajv's draft-04 build; both are loaded from node_modules, as CommonJS.
  const Ajv04 = require("ajv-draft-04") as new (
    options: object,
  ) => {
    compile(schema: object): Validate;
  };
  const addFormats = require("ajv-formats") as (ajv: unknown) => unknown;
  // unicodeRegExp off: the schema's `language` pattern has a stray "]" that the u flag rejects.
  const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(JSON.parse(readFileSync(file, "utf8")));
}

/** Why a schema test skips, or false when the schema is installed. */
export function sarifSkip(validate: Validate | undefined): string | false {
  return validate
    ? false
    : "the SARIF 2.1.0 schema is not installed (devDependency @microsoft/jest-sarif)";
}
