import { isObject, parseJson } from "../../discovery.js";
import type { CheckContext, Exchange, ScanCheck } from "../../types.js";
import { covered, notTested, ran } from "../outcome.js";

/** Where GraphQL endpoints usually answer. */
export const GRAPHQL_PATHS = ["/graphql", "/api/graphql", "/v1/graphql", "/graphql/v1", "/query"];

/** The smallest query every GraphQL server answers: the root type's name. */
const PING = '{"query":"{__typename}"}';
/** Introspection of the schema's type names (GraphQL spec, section 4). */
const INTROSPECTION = '{"query":"query{__schema{queryType{name} types{name}}}"}';

function post(context: CheckContext, url: string, body: string) {
  return context.http.trySend({
    method: "POST",
    url,
    headers: { "content-type": "application/json", accept: "application/json" },
    body,
  });
}

/** The GraphQL answer's `data`, when the body is one. */
function dataOf(e: Exchange | undefined): Record<string, unknown> | undefined {
  const json = e ? parseJson(e.body) : undefined;
  return isObject(json) && isObject(json.data) ? json.data : undefined;
}

/**
 * PROC-08, GraphQL: finds the API's GraphQL endpoints (the usual paths and any path the scan met
 * that names GraphQL, asked `{__typename}`), then asks each for its schema. Introspection
 * answered in production hands out every type, field and argument, the map of what to attack.
 * A hint: a refusal does not prove debug features off elsewhere.
 */
export const graphqlIntrospectionCheck: ScanCheck = {
  id: "proc-08-graphql-introspection",
  items: ["PROC-08"],
  proves: [],
  severity: "low",
  intrusive: false,
  needs: [],
  title: "GraphQL introspection off in production",
  async run(context) {
    const { target } = context;
    const met = [
      ...target.operations.map((o) => new URL(o.url).pathname),
      ...target.observed.map((o) => new URL(o.exchange.url).pathname),
    ].filter((p) => /graphi?ql/i.test(p));
    const candidates = [...new Set([...met, ...GRAPHQL_PATHS])].slice(0, 8);
    const answers = await Promise.all(
      candidates.map(async (path) => ({ path, answer: await post(context, path, PING) })),
    );
    const endpoints = answers.filter((a) => typeof dataOf(a.answer)?.__typename === "string");
    if (answers.every((a) => a.answer === undefined))
      return notTested("none of the GraphQL probes got an answer");
    const findings = [];
    for (const { path } of endpoints) {
      const answer = await post(context, path, INTROSPECTION);
      const schema = dataOf(answer)?.__schema;
      if (!answer || !isObject(schema) || !Array.isArray(schema.types)) continue;
      findings.push(
        context.finding({
          title: "GraphQL introspection enabled",
          detail: `POST ${path} answered an introspection query with its schema (${schema.types.length} types): every type, field and argument of the API is one request away, the map of what to attack.`,
          exchange: answer,
          headers: ["content-type"],
          body: true,
          evidence: {
            request: `POST ${path} HTTP/1.1 (query{__schema{queryType{name} types{name}}})`,
          },
          subject: path,
        }),
      );
    }
    return ran(
      findings,
      covered(candidates.length, candidates.length, "paths", [
        `${endpoints.length} GraphQL endpoint(s) found at the usual paths and those the scan met`,
      ]),
    );
  },
};
