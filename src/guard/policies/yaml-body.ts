import { Type } from "@sinclair/typebox";
import { parseAllDocuments } from "yaml";
import type { GuardPolicy } from "../policy.js";
import { rejection } from "../policy.js";
import { policyOptions } from "../policy-options.js";

/** `policies.yaml` in the config: what can be set, and the defaults (the secure choice). */
export const yamlBodyOptions = policyOptions(
  "yaml",
  Type.Object(
    { maxAliases: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })) },
    { additionalProperties: false },
  ),
  {
    /** Alias resolutions allowed in a YAML body (billion laughs). */
    maxAliases: 50,
  },
);

const YAML_TYPES = new Set(["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"]);

/** YAML bodies: aliases beyond a limit are refused (PROC-05: the YAML "billion laughs"). */
export const yamlBodyPolicy: GuardPolicy = {
  id: "yaml-alias-limit",
  options: yamlBodyOptions,
  items: ["PROC-05"],
  title: "YAML request bodies with too many aliases are refused",
  create(route) {
    if (!route.accepts.some((t) => YAML_TYPES.has(t))) return undefined;
    const max = route.policies.yaml.maxAliases;
    const refused = rejection(
      yamlBodyPolicy,
      400,
      "Bad Request",
      `YAML documents may not use more than ${max} aliases.`,
    );
    const unparsed = rejection(
      yamlBodyPolicy,
      400,
      "Bad Request",
      "YAML documents with aliases must be well-formed to be checked.",
    );
    return {
      wantsRequestBody: (ctx) => YAML_TYPES.has(ctx.contentType),
      onRequestBody(body) {
        const text = body.toString("utf8");
        // Cheap pre-check: no "*" means no alias.
        if (!text.includes("*")) return undefined;
        // Every document of a stream: a bomb in the second one is expanded by an upstream that
        // reads them all (parseAllDocuments, PyYAML's load_all). A stream that does not parse
        // cannot be checked, and a more lenient upstream parser might still expand it: refused.
        const parsed = parseAllDocuments(text, { uniqueKeys: false });
        const docs = Array.isArray(parsed) ? parsed : [];
        for (const doc of docs) {
          if (doc.errors.length > 0) return unparsed;
          try {
            doc.toJS({ maxAliasCount: max });
          } catch {
            return refused;
          }
        }
        return undefined;
      },
    };
  },
};
