import { createRequire } from "node:module";
import { RampartError } from "../../src/core/errors.js";

/** A product as the search shows it. */
export interface Product {
  readonly id: number;
  readonly name: string;
  readonly price: number;
}

/**
 * The catalog. The last product is not listed: no search should ever return it, which makes it
 * the tell-tale of a successful SQL injection.
 */
export const PRODUCTS: readonly (Product & { readonly listed: boolean })[] = [
  { id: 1, name: "Blue widget", price: 9.5, listed: true },
  { id: 2, name: "Red widget", price: 9.5, listed: true },
  { id: 3, name: "Gear set", price: 24, listed: true },
  { id: 4, name: "Copper wire (10 m)", price: 12.75, listed: true },
  { id: 5, name: "Soldering iron", price: 39.9, listed: true },
  { id: 6, name: "Server rack", price: 899, listed: true },
  { id: 7, name: "Cable ties (100)", price: 4.2, listed: true },
  { id: 8, name: "Prototype X-9 (unreleased)", price: 4999, listed: false },
];

/** Name of the unlisted product. */
export const UNLISTED_PRODUCT = "Prototype X-9 (unreleased)";

/** Rows returned at most by one search. */
export const MAX_RESULTS = 100;

/** A catalog in a real (in-memory) SQLite database. */
export interface Catalog {
  /** Parameterised query; `%` and `_` in the term match themselves. */
  search(term: string): Product[];
  /** The query built by concatenation (`sql-injection`): the term is SQL. Throws SQLite's errors. */
  searchConcatenated(term: string): Product[];
}

// Minimal typing of the parts of sql.js used here (the package ships no declarations).
interface Statement {
  bind(values: readonly unknown[]): boolean;
  step(): boolean;
  get(): unknown[];
  free(): boolean;
}
interface Database {
  run(sql: string, params?: readonly unknown[]): void;
  prepare(sql: string): Statement;
}
type InitSqlJs = () => Promise<{ Database: new () => Database }>;

/**
 * Loads sql.js, the demo's only dependency of its own (30 MB of WebAssembly). It is an optional
 * dependency that nothing but the demo loads, so `npm install --omit=optional` leaves it out of
 * CI installs; the demo then stops at start with one line saying how to add it, rather than
 * answering 500 to its first search.
 *
 * @example
 * ```ts
 * const initSqlJs = loadSqlJs(); // throws ERR_DEMO_DEPENDENCY when sql.js is not installed
 * ```
 */
export function loadSqlJs(): InitSqlJs {
  try {
    return createRequire(import.meta.url)("sql.js") as InitSqlJs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw error;
    throw new RampartError(
      "ERR_DEMO_DEPENDENCY",
      "the demo API needs sql.js, an optional dependency left out of this install: npm install sql.js",
    );
  }
}

/**
 * Opens the catalog: SQLite compiled to WebAssembly (sql.js), seeded with {@link PRODUCTS}.
 *
 * @example
 * ```ts
 * const catalog = await openCatalog();
 * catalog.search("widget").length; // 2
 * catalog.searchConcatenated("' OR '1'='1").length; // 8, the unlisted product included
 * ```
 */
export async function openCatalog(): Promise<Catalog> {
  const SQL = await loadSqlJs()();
  const db = new SQL.Database();
  db.run(
    "CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL, listed INTEGER)",
  );
  for (const p of PRODUCTS) {
    db.run("INSERT INTO products VALUES (?, ?, ?, ?)", [p.id, p.name, p.price, p.listed ? 1 : 0]);
  }
  return {
    search: (term) =>
      query(
        db,
        "SELECT id, name, price FROM products WHERE name LIKE ? ESCAPE '\\' AND listed = 1 ORDER BY id",
        [`%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`],
      ),
    // The vulnerable line, as found in the wild. prepare() compiles the first statement only,
    // so stacked queries ("; DROP TABLE ...") do nothing, while UNION and boolean tricks work.
    searchConcatenated: (term) =>
      query(
        db,
        `SELECT id, name, price FROM products WHERE name LIKE '%${term}%' AND listed = 1 ORDER BY id`,
        [],
      ),
  };
}

function query(db: Database, sql: string, params: readonly unknown[]): Product[] {
  const statement = db.prepare(sql);
  try {
    statement.bind(params);
    const rows: Product[] = [];
    while (rows.length < MAX_RESULTS && statement.step()) {
      const [id, name, price] = statement.get();
      rows.push({ id: Number(id), name: String(name), price: Number(price) });
    }
    return rows;
  } finally {
    statement.free();
  }
}
