import { readFileSync } from "node:fs";
import { type Static, Type } from "@sinclair/typebox";
import { RampartError } from "../core/errors.js";
import { compileSchema, StringEnum } from "../core/validate.js";
import { parseYaml } from "../core/yaml.js";
import { ITEM_ID_PATTERN, ITEM_IDS, type ItemId } from "./ids.js";

export const CAPABILITIES = ["scan", "audit", "guard"] as const;
/** How an item can be covered by code: verified live, verified in the design, or enforced. */
export type Capability = (typeof CAPABILITIES)[number];

const Reference = Type.Object(
  {
    owasp: Type.Array(Type.String({ pattern: "^API(10|[1-9]):2023$" })),
    cwe: Type.Array(Type.String({ pattern: "^CWE-\\d+$" }), { minItems: 1 }),
    rfc: Type.Optional(Type.Array(Type.String({ pattern: "^RFC \\d+$" }), { minItems: 1 })),
  },
  { additionalProperties: false },
);

const Prose = Type.String({ minLength: 10 });

export const FIX_FRAMEWORKS = ["express", "fastify", "spring", "django", "nginx"] as const;
/** A framework or server for which the catalog carries a concrete fix (docs/items/<ID>.md). */
export type FixFramework = (typeof FIX_FRAMEWORKS)[number];

// Framework-specific remediation notes: the middleware, setting or directive to use.
const Fixes = Type.Partial(
  Type.Object(
    Object.fromEntries(FIX_FRAMEWORKS.map((f) => [f, Prose])) as Record<FixFramework, typeof Prose>,
  ),
  { additionalProperties: false, minProperties: 1 },
);

const CatalogItemSchema = Type.Object(
  {
    id: Type.String({ pattern: ITEM_ID_PATTERN.source }),
    section: Type.String({ minLength: 1 }),
    title: Type.String({ minLength: 3, maxLength: 80 }),
    summary: Prose,
    rationale: Prose,
    remediation: Prose,
    references: Reference,
    capabilities: Type.Array(StringEnum(CAPABILITIES), { uniqueItems: true }),
    manual: Type.Boolean(),
    fixes: Type.Optional(Fixes),
    notes: Type.Optional(
      Type.Object(
        {
          scan: Type.Optional(Type.String()),
          audit: Type.Optional(Type.String()),
          guard: Type.Optional(Type.String()),
          manual: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const CatalogSchema = Type.Object(
  {
    sections: Type.Array(
      Type.Object(
        { id: Type.String({ pattern: "^[a-z]+$" }), title: Type.String() },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
    items: Type.Array(CatalogItemSchema, { minItems: 1 }),
  },
  { additionalProperties: false },
);

export interface CatalogItem extends Omit<Static<typeof CatalogItemSchema>, "id"> {
  readonly id: ItemId;
}

export interface Section {
  readonly id: string;
  readonly title: string;
}

/** The catalog: every checklist item and every check beyond it, in checklist order. */
export interface Catalog {
  readonly sections: readonly Section[];
  readonly items: readonly CatalogItem[];
  /** The item with this id; throws TypeError for an id that is not in the catalog. */
  item(id: ItemId): CatalogItem;
}

const CATALOG_FILE = new URL("../../catalog/items.yaml", import.meta.url);

/**
 * Loads and checks the bundled catalog (`catalog/items.yaml`): schema, unique ids in the
 * order of {@link ITEM_IDS}, known sections. A broken catalog is a packaging defect and fails
 * loudly with ERR_CATALOG_INVALID.
 *
 * @example
 * ```ts
 * const catalog = loadCatalog();
 * catalog.item("JWT-02").title; // "Pin the signing algorithm server-side"
 * ```
 */
export function loadCatalog(file: URL | string = CATALOG_FILE): Catalog {
  const source = String(file);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new RampartError("ERR_CATALOG_INVALID", "catalog file cannot be read", {
      source,
      cause: error,
    });
  }
  let data: Static<typeof CatalogSchema>;
  try {
    data = compileSchema(CatalogSchema).validate(parseYaml(text, source));
  } catch (error) {
    if (!(error instanceof RampartError)) throw error;
    throw new RampartError("ERR_CATALOG_INVALID", error.message, {
      source,
      problems: error.problems,
      cause: error,
    });
  }
  const ids = data.items.map((i) => i.id);
  const problems: string[] = [];
  if (ids.join(",") !== ITEM_IDS.join(",")) {
    const missing = ITEM_IDS.filter((id) => !ids.includes(id));
    const unknown = ids.filter((id) => !(ITEM_IDS as readonly string[]).includes(id));
    const duplicated = ids.filter((id, i) => ids.indexOf(id) !== i);
    problems.push(
      `items must list exactly the known ids in order (missing: ${missing.join(" ") || "none"}; unknown: ${unknown.join(" ") || "none"}; duplicated: ${duplicated.join(" ") || "none"})`,
    );
  }
  const sectionIds = new Set(data.sections.map((s) => s.id));
  for (const item of data.items) {
    if (!sectionIds.has(item.section))
      problems.push(`${item.id}: unknown section "${item.section}"`);
  }
  if (problems.length > 0) {
    throw new RampartError("ERR_CATALOG_INVALID", problems.join("; "), { source });
  }
  const items = data.items as readonly CatalogItem[];
  const byId = new Map(items.map((i) => [i.id, i]));
  return Object.freeze({
    sections: data.sections,
    items,
    item(id: ItemId): CatalogItem {
      const found = byId.get(id);
      if (!found) throw new TypeError(`unknown item id ${String(id)}`);
      return found;
    },
  });
}
