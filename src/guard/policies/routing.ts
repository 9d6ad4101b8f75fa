/**
 * Routing (IN-01): requests to no route are answered 404; methods a route does not declare
 * are answered 405 with `Allow` (RFC 9110 15.5.6); TRACE and CONNECT are never proxied. The
 * matching itself is the compiled route table's (find-my-way).
 */
export const routingPolicy = Object.freeze({
  id: "routing",
  items: Object.freeze(["IN-01"] as const),
  title: "404 outside the route table, 405 with Allow for undeclared methods, TRACE off",
});
