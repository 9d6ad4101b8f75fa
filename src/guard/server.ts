/**
 * `rampart guard`'s server, in three parts under server/: the lifecycle (listen, swap of route
 * tables, drain and shutdown: lifecycle.ts), the request pipeline (request.ts) and the upstream
 * exchange (exchange.ts).
 */
export { type Guard, type GuardOptions, startGuard } from "./server/lifecycle.js";
