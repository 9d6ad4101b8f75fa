import assert from "node:assert/strict";
import { createServer } from "node:http";
import { describe, test } from "node:test";
import { graphqlIntrospectionCheck } from "../../src/scan/checks/processing/graphql.js";
import { runScan } from "../../src/scan/engine.js";
import { catalog, findingsOf, listenLoopback } from "./scan-helpers.js";

/** A GraphQL API at /api/graphql, its introspection on or off. */
async function graphqlApi(introspection: boolean) {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      res.setHeader("content-type", "application/json");
      const path = new URL(req.url ?? "/", "http://x").pathname;
      if (path !== "/api/graphql" || req.method !== "POST") {
        res.statusCode = 404;
        return res.end('{"error":"not found"}');
      }
      const query = String((JSON.parse(body || "{}") as { query?: unknown }).query ?? "");
      if (query.includes("__schema"))
        return res.end(
          introspection
            ? JSON.stringify({
                data: {
                  __schema: {
                    queryType: { name: "Query" },
                    types: [{ name: "Query" }, { name: "User" }],
                  },
                },
              })
            : JSON.stringify({ errors: [{ message: "GraphQL introspection is not allowed" }] }),
        );
      res.end(JSON.stringify({ data: { __typename: "Query" } }));
    });
  });
  return listenLoopback(server);
}

describe("GraphQL introspection (PROC-08), both ways", () => {
  for (const on of [true, false]) {
    test(`introspection ${on ? "on: the schema handed out is a finding" : "off: the endpoint is found, nothing reported"}`, async () => {
      const api = await graphqlApi(on);
      try {
        const report = await runScan(
          { target: api.url },
          { catalog, checks: [graphqlIntrospectionCheck] },
        );
        const findings = findingsOf(report, "proc-08-graphql-introspection");
        assert.equal(findings.length, on ? 1 : 0);
        if (on) {
          assert.match(
            findings[0]?.detail ?? "",
            /POST \/api\/graphql answered an introspection query with its schema \(2 types\)/,
          );
          assert.equal(report.items.find((i) => i.id === "PROC-08")?.verdict, "fail");
        }
        const entry = report.items
          .find((i) => i.id === "PROC-08")
          ?.coverage?.find((c) => c.check === "proc-08-graphql-introspection");
        assert.match(entry?.note ?? "", /1 GraphQL endpoint\(s\) found/);
      } finally {
        await api.close();
      }
    });
  }
});
