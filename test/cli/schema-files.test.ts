import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { Ajv, type ValidateFunction } from "ajv";
import formatsPlugin from "ajv-formats";
import { parse } from "yaml";
import { checkIds } from "../../src/cli/check-ids.js";
import { loadConfig } from "../../src/config.js";
import { RampartError } from "../../src/core/errors.js";
import { parseYaml } from "../../src/core/yaml.js";
import { ROOT } from "../helpers/cli.js";

const addFormats = (formatsPlugin as unknown as { default: (ajv: Ajv) => Ajv }).default;

/** The published schema as an editor would use it: plain ajv, no defaults filled in. */
function publishedSchema(): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(JSON.parse(readFileSync(join(ROOT, "schema/rampart.schema.json"), "utf8")));
}

const validate = publishedSchema();

/** Top-level keys of rampart.yaml. */
const CONFIG_KEYS = ["version", "checklist", "attest", "ignore", "guard", "scan", "vocabulary"];

interface Config {
  readonly name: string;
  readonly text: string;
}

function files(dir: string, keep: (name: string) => boolean): string[] {
  return readdirSync(join(ROOT, dir))
    .filter(keep)
    .map((name) => `${dir}/${name}`);
}

/**
 * Every rampart.yaml of the repository: the demo's, the corpus targets', the valid test fixtures,
 * and every YAML block of the README and the docs that is a config. A block indented under
 * `guard:` (a fragment of the guard section, as the guide says) is checked inside one.
 */
function shippedConfigs(): Config[] {
  const paths = [
    ...files("demo", (n) => n.endsWith(".yaml")),
    ...readdirSync(join(ROOT, "bench/corpus/targets")).map(
      (t) => `bench/corpus/targets/${t}/rampart.yaml`,
    ),
    "test/fixtures/config/attest.yaml",
    "test/fixtures/openapi/config/ignore.yaml",
  ];
  const configs = paths.map((name) => ({ name, text: readFileSync(join(ROOT, name), "utf8") }));
  const docs = [
    "README.md",
    ...files("docs", (n) => n.endsWith(".md")),
    ...files("docs/guides", (n) => n.endsWith(".md")),
    ...files("docs/items", (n) => n.endsWith(".md")),
  ];
  for (const doc of docs) {
    const text = readFileSync(join(ROOT, doc), "utf8");
    for (const match of text.matchAll(/```ya?ml\n([\s\S]*?)```/g)) {
      const line = text.slice(0, match.index).split("\n").length;
      const block = match[1] ?? "";
      const name = `${doc}:${line}`;
      if (/^ {2}\S/.test(block.replace(/^(#.*\n)+/, ""))) {
        configs.push({ name, text: `guard:\n  upstream: http://127.0.0.1:3000\n${block}` });
        continue;
      }
      const keys = Object.keys(parse(block) ?? {});
      if (keys.some((k) => CONFIG_KEYS.includes(k))) configs.push({ name, text: block });
      // The others are OpenAPI excerpts, or CI pipelines (a workflow, GitLab jobs, steps).
      else if (!keys.some((k) => ["openapi", "paths", "components"].includes(k)))
        assert.equal(doc, "docs/ci.md", `${name}: a YAML block that is no rampart.yaml`);
    }
  }
  return configs;
}

test("every rampart.yaml of the repository (demo, corpus, fixtures, README and docs blocks) validates against schema/rampart.schema.json and loads, its ignore: entries naming known checks", () => {
  const configs = shippedConfigs();
  assert.ok(configs.length >= 30, `${configs.length} configs`);
  for (const { name, text } of configs) {
    assert.ok(validate(parse(text)), `${name}: ${JSON.stringify(validate.errors, null, 2)}`);
    assert.doesNotThrow(
      () => loadConfig(parseYaml(text, name), new Date("2100-01-01"), { checkIds: checkIds() }),
      name,
    );
  }
  // The files that had every key with a default missing.
  for (const name of ["demo/rampart.yaml", "demo/guard.yaml"])
    assert.ok(
      configs.some((c) => c.name === name),
      name,
    );
});

test("known-bad configs fail the published schema as they fail the loader", () => {
  const bad: Config[] = [
    ...[
      "test/fixtures/config/bad-attest.yaml",
      "test/fixtures/openapi/config/ignore-no-reason.yaml",
    ].map((name) => ({ name, text: readFileSync(join(ROOT, name), "utf8") })),
    { name: "unknown top-level key", text: "scna: { login: { path: /login } }\n" },
    { name: "unknown guard key", text: "guard:\n  upstream: http://127.0.0.1:3000\n  listn: 1\n" },
    { name: "listen of the wrong type", text: "guard:\n  listen: [8080]\n" },
    { name: "ignore without a reason", text: "ignore:\n  - check: integer-id\n" },
    { name: "staleAfterDays out of range", text: "checklist: { staleAfterDays: 0 }\n" },
    { name: "unknown item in attest", text: "attest:\n  NOPE-01: { status: done }\n" },
    { name: "a vocabulary that is not a list", text: "vocabulary: { adminSegments: backstage }\n" },
  ];
  for (const { name, text } of bad) {
    assert.equal(validate(parse(text)), false, `${name}: the schema accepts it`);
    assert.throws(
      () => loadConfig(parseYaml(text, name)),
      (e: unknown) => e instanceof RampartError && e.code === "ERR_CONFIG_INVALID",
      `${name}: the loader accepts it`,
    );
  }
});

test("a key with a default is not required by the published schema", () => {
  assert.ok(validate({}), JSON.stringify(validate.errors));
  assert.ok(validate({ checklist: {} }), JSON.stringify(validate.errors));
  assert.ok(validate({ guard: { upstream: "http://127.0.0.1:3000" } }));
});
