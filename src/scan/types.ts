import type { Catalog } from "../catalog/catalog.js";
import type { Covering } from "../catalog/coverage.js";
import type { ItemId } from "../catalog/ids.js";
import type { Evidence, Finding } from "../core/finding.js";
import type { Confidence, Severity } from "../core/severity.js";
import type { LoadedDocument } from "../openapi/types.js";
import type { ScanConfig } from "./config.js";

/** `safe` never locks accounts, floods or sends bombs; `full` adds the checks marked intrusive. */
export const SCAN_PROFILES = ["safe", "full"] as const;
export type ScanProfile = (typeof SCAN_PROFILES)[number];

/** What a check needs before it can run; the engine reports `not_tested` when it is missing. */
export type CheckNeed = "https" | "operations" | "api-responses" | "auth";

/** One request as a check asks for it. Relative URLs resolve against the target. */
export interface ScanRequest {
  readonly method?: string;
  readonly url: string | URL;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Leave the configured credentials off (for "without auth" baselines). */
  readonly anonymous?: boolean;
  /**
   * A transport probe (ACC-02): the same host on another scheme or port, e.g. plain HTTP next to
   * HTTPS. Allowed beside the scope, never with credentials.
   */
  readonly transportProbe?: boolean;
}

/** A request and its response as the HTTP layer saw them. Header names are lower case. */
export interface Exchange {
  readonly method: string;
  readonly url: string;
  /** The request headers as sent, credentials included: redact before showing. */
  readonly requestHeaders: Readonly<Record<string, string>>;
  /** The request body as sent: redact before showing. */
  readonly requestBody?: string;
  readonly status: number;
  /** Response headers, repeated fields joined with ", " (Set-Cookie kept apart in `setCookies`). */
  readonly headers: Readonly<Record<string, string>>;
  readonly setCookies: readonly string[];
  /** The body as UTF-8, cut at the body cap. */
  readonly body: string;
  readonly truncated: boolean;
}

/** The one HTTP layer every check goes through: scope, budget, auth and body cap live here. */
export interface ScanHttp {
  /** Sends one request; throws RampartError ERR_SCAN_BUDGET when the budget is spent. */
  send(request: ScanRequest): Promise<Exchange>;
  /** Like {@link send}, but network failures (refused, reset, timeout) resolve to undefined. */
  trySend(request: ScanRequest): Promise<Exchange | undefined>;
  /** Reserves one unit of the budget for a non-HTTP probe (a TLS handshake). */
  reserve(): Promise<() => void>;
  /** True when the URL's origin is the target's or one added with `--scope`. */
  inScope(url: string | URL): boolean;
  /** Requests sent (or reserved) so far. */
  readonly requests: number;
}

/** An operation of the API with concrete example values, ready to send. */
export interface ScanOperation {
  readonly method: string;
  /** The path template, e.g. `/api/orders/{id}`. */
  readonly path: string;
  /** The concrete URL with example path and query values. */
  readonly url: string;
  /** Media types the request body may have (empty: no body). */
  readonly bodyTypes: readonly string[];
  /** An example JSON body derived from the schema, when the operation takes JSON. */
  readonly exampleBody?: string;
  /** The operation requires credentials (its effective security is not empty). */
  readonly secured: boolean;
  /** Query parameters of the operation (names), for IN-05. */
  readonly queryParameters: readonly string[];
  /** JSON pointer of the operation in the document. */
  readonly pointer?: string;
}

/** Where an observed exchange came from. */
export type ObservationSource = "root" | "operation" | "discovered" | "login" | "document";

export interface Observation {
  readonly source: ObservationSource;
  readonly exchange: Exchange;
  /** Sent with the configured credentials. */
  readonly authenticated: boolean;
}

/** What the engine knows about the target before the checks run. */
export interface ScanTarget {
  /** The base URL as given, without a trailing slash. */
  readonly base: URL;
  /** The OpenAPI document, given or discovered. */
  readonly document?: LoadedDocument;
  /** Where the document came from (file, URL). */
  readonly documentSource?: string;
  readonly operations: readonly ScanOperation[];
  /** Exchanges made during discovery: checks inspect these before sending their own. */
  readonly observed: readonly Observation[];
  /** Credentials were configured (`--header`, `--bearer`, login). */
  readonly authenticated: boolean;
  /** Absolute URLs seen during discovery (links, metadata endpoints, redirects). */
  readonly urls: readonly string[];
  /**
   * The answer to a random path that should not exist: a 2xx here means a catch-all target, on
   * which status codes prove nothing.
   */
  readonly baseline?: Exchange;
}

/** What a check is given. */
export interface CheckContext {
  readonly target: ScanTarget;
  readonly http: ScanHttp;
  readonly catalog: Catalog;
  readonly profile: ScanProfile;
  readonly signal: AbortSignal;
  /** The `scan:` section of `rampart.yaml` (identities, oauth, ...), when one was given. */
  readonly config?: Readonly<ScanConfig>;
  /** A path that should not exist on the target, for catch-all baselines. */
  randomPath(prefix?: string): string;
  /** Builds a finding for this check with the catalog's wording and redacted evidence. */
  finding(input: FindingInput): Finding;
  /** Runs a probe once per scan, shared by every check that asks with the same key. */
  shared<T>(key: string, probe: () => Promise<T>): Promise<T>;
}

export interface FindingInput {
  readonly items?: readonly ItemId[];
  readonly severity?: Severity;
  readonly confidence?: Confidence;
  /** Short and specific, e.g. "TLS 1.0 accepted". */
  readonly title: string;
  readonly detail: string;
  /** The exchange the finding rests on (redacted here), and/or extra evidence. */
  readonly exchange?: Exchange;
  /** Response headers to show; default: none. */
  readonly headers?: readonly string[];
  /** Include a body excerpt. */
  readonly body?: boolean;
  readonly evidence?: Evidence;
  /** Location URL and method; default: the exchange's. */
  readonly url?: string;
  readonly method?: string;
  /** Distinguishes findings of one check at one location (e.g. "tls1.0"). */
  readonly subject?: string;
}

/** How a check ended. */
export type CheckOutcome =
  | { readonly status: "ran" }
  | { readonly status: "not_tested"; readonly reason: string }
  | { readonly status: "not_applicable"; readonly reason: string };

export interface CheckResult {
  readonly findings: readonly Finding[];
  readonly outcome: CheckOutcome;
}

/**
 * A scan check: metadata as data plus one function. `run` returns its findings and outcome and
 * should not throw; if it does, the engine records an error for this check and the scan goes on.
 */
export interface ScanCheck extends Covering {
  readonly id: string;
  readonly items: readonly ItemId[];
  /** The default severity of its findings. */
  readonly severity: Severity;
  /** Sends requests that could change state, lock accounts or load the target: `full` only. */
  readonly intrusive: boolean;
  readonly needs: readonly CheckNeed[];
  /** What it verifies, in a few words. */
  readonly title: string;
  run(context: CheckContext): Promise<CheckResult>;
}
