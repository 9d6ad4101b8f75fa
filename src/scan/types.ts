import type { Catalog } from "../catalog/catalog.js";
import type { Covering } from "../catalog/coverage.js";
import type { ItemId } from "../catalog/ids.js";
import type { Evidence, Finding } from "../core/finding.js";
import type { Confidence, Severity } from "../core/severity.js";
import type { LoadedDocument } from "../openapi/types.js";
import type { Vocabulary } from "../vocabulary/vocabulary.js";
import type { LoginRecipe } from "./auth/schema.js";
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
  /**
   * Like {@link send}, but network failures (refused, reset, timeout) resolve to undefined, and
   * so does a request the budget refused within a check (the engine records it as cut short).
   */
  trySend(request: ScanRequest): Promise<Exchange | undefined>;
  /** Reserves one unit of the budget for a non-HTTP probe (a TLS handshake). */
  reserve(): Promise<() => void>;
  /** True when the URL's origin is the target's or one added with `--scope`. */
  inScope(url: string | URL): boolean;
  /** Requests sent (or reserved) so far. */
  readonly requests: number;
}

/**
 * Where the scan learnt an operation: the API description, a Postman collection, a HAR file,
 * crawling what the API itself linked to, or the scan's login configuration (its request or
 * its grant's token endpoint). Only `document` operations make a known surface: the others say
 * what exists, never all that exists.
 */
export type OperationSource = "document" | "postman" | "har" | "crawl" | "login";

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
  /**
   * The example with the optional properties filled too, when that differs: for a create that
   * the API refuses without them (a server that reads a field its schema calls optional).
   */
  readonly fullExampleBody?: string;
  /** The operation requires credentials (its effective security is not empty). */
  readonly secured: boolean;
  /** The document's tags of the operation. */
  readonly tags?: readonly string[];
  /** The scopes each of its security requirements asks (one list per requirement). */
  readonly scopes?: readonly (readonly string[])[];
  /** Query parameters of the operation (names), for IN-05. */
  readonly queryParameters: readonly string[];
  /** Every declared parameter with the example value the scan sends (path values are in `url`). */
  readonly parameters: readonly ScanParameter[];
  /** The server URL the path template hangs from (origin and base path), without a slash. */
  readonly server: string;
  /** An example form body (urlencoded or multipart field names), when the operation takes one. */
  readonly exampleForm?: Readonly<Record<string, string>>;
  /**
   * The parts of its multipart body that take a file (`format: binary` in the document, a file
   * input in a page's form).
   */
  readonly fileFields?: readonly string[];
  /** JSON pointer of the operation in the document. */
  readonly pointer?: string;
  /** Where it was learnt (default: the API description). */
  readonly source?: OperationSource;
}

/** A declared parameter of an operation with the example value the scan uses. */
export interface ScanParameter {
  readonly name: string;
  readonly in: "path" | "query" | "header" | "cookie";
  readonly required: boolean;
  readonly value: string;
}

/** Where an observed exchange came from. */
export type ObservationSource = "root" | "operation" | "discovered" | "login" | "document";

export interface Observation {
  readonly source: ObservationSource;
  readonly exchange: Exchange;
  /** Sent with the configured credentials. */
  readonly authenticated: boolean;
}

/** How the scan authenticates, when it does: what the token checks and forgeries build on. */
export interface ScanAuth {
  /** The scan's own credential: an access token, or a session cookie's value. */
  readonly token?: string;
  /** The headers that carry another token the way the scan's own is carried (forged copies). */
  withToken(token: string): Readonly<Record<string, string>>;
  /** How the credentials were obtained, in words, for the report (never the credentials). */
  readonly described: string;
  /** The login recipe the scan ran, when it logged in (the lockout and session checks replay it). */
  readonly recipe?: LoginRecipe;
}

/** What the engine knows about the target before the checks run. */
export interface ScanTarget {
  /** The base URL as given, without a trailing slash. */
  readonly base: URL;
  /** The OpenAPI document, given or discovered. */
  readonly document?: LoadedDocument;
  /** Where the document came from (file, URL). */
  readonly documentSource?: string;
  /**
   * What discovery decided or went past, one line each, for the report: where the document's
   * operations were taken to be, parts of the document skipped as broken.
   */
  readonly notes?: readonly string[];
  readonly operations: readonly ScanOperation[];
  /** Exchanges made during discovery: checks inspect these before sending their own. */
  readonly observed: readonly Observation[];
  /** Credentials were configured (`--header`, `--bearer`, login). */
  readonly authenticated: boolean;
  /** `--behind-tls-proxy`: TLS ends at a proxy in front of the target, by the user's word. */
  readonly behindTlsProxy?: boolean;
  /** The scan's authentication, when it has one. */
  readonly auth?: ScanAuth;
  /**
   * The fields the scan's login took (`email`, `password`) with their values: updates keep them,
   * so that no probe changes the test account's login mid-scan.
   */
  readonly loginFields?: ReadonlyMap<string, string>;
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
  /** The words the heuristics decide with (admin segments, privileged fields, ...). */
  readonly vocabulary: Vocabulary;
  /** A path that should not exist on the target, for catch-all baselines. */
  randomPath(prefix?: string): string;
  /** Builds a finding for this check with the catalog's wording and redacted evidence. */
  finding(input: FindingInput): Finding;
  /** Runs a probe once per scan, shared by every check that asks with the same key. */
  shared<T>(key: string, probe: () => Promise<T>): Promise<T>;
  /** For a passive check: what it saw in every exchange of the scan. */
  readonly passive?: PassiveRecord;
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

/**
 * What a check covered when it ran: `probed` of `of` units (operations, parameters, responses,
 * hosts...), as many identities, and what it left out. A check that covered only part of its
 * surface says so here, and its items become `partial` rather than `pass`.
 */
export interface Surface {
  readonly probed: number;
  readonly of: number;
  readonly unit: string;
  readonly identities?: number;
  /** What was left out and why, a short phrase each (e.g. "PUT and DELETE not replayed"). */
  readonly gaps?: readonly string[];
  /**
   * This result alone settles its items when whole: the other decisive checks are alternative
   * proofs of the same property, not other parts of it (a throttle announced on every answer
   * proves throttling without a burst).
   */
  readonly settles?: boolean;
  /** What the check measured, in one line, when it is worth reporting beside a pass too. */
  readonly observed?: string;
}

/** How a check ended. */
export type CheckOutcome =
  | { readonly status: "ran"; readonly surface: Surface }
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
  /**
   * The items this check can prove to hold when it covers its surface and finds nothing. For
   * the other items of `items` it is only a hint: it can find them failing, never pass them.
   */
  readonly proves: readonly ItemId[];
  /** The default severity of its findings. */
  readonly severity: Severity;
  /** The worst severity it may report, when some findings rise above `severity`. */
  readonly maxSeverity?: Severity;
  /** Sends requests that could change state, lock accounts or load the target: `full` only. */
  readonly intrusive: boolean;
  /** Its probes' 429 / 503 answers are its evidence: the HTTP layer never waits them out. */
  readonly measuresThrottling?: boolean;
  /**
   * When it runs, alone, instead of together with the others: `first` when its proof reads state
   * that other checks' probes change meanwhile (the identities' own records, the relations
   * between them); `last` when its probes could throttle or lock what the others need (a burst
   * of failed logins).
   */
  readonly runs?: "first" | "last";
  readonly needs: readonly CheckNeed[];
  /** What it verifies, in a few words. */
  readonly title: string;
  /**
   * A passive check: called on every answered exchange of the scan, whichever check sent it,
   * and returns the problems it sees there. Its `run` comes after every active check, reads
   * `context.passive` and sends nothing.
   */
  readonly inspect?: (exchange: Exchange, meta: ExchangeMeta) => readonly PassiveProblem[];
  /** Which exchanges a passive check judges (its surface); default: all. */
  readonly examines?: (exchange: Exchange, meta: ExchangeMeta) => boolean;
  run(context: CheckContext): Promise<CheckResult>;
}

/** Where an exchange belongs, for passive checks. */
export interface ExchangeMeta {
  /** `GET /api/users/{id}`: the documented operation, or the path with ids replaced by `{id}`. */
  readonly operation: string;
  /** The operation is in the API description. */
  readonly documented: boolean;
  /** The documented operation requires credentials. */
  readonly secured: boolean;
  /** The request carried credentials (Authorization or Cookie). */
  readonly authenticated: boolean;
  /** A 2xx answer that hands out the scan's own credential (its login's answer). */
  readonly issuesCredential?: boolean;
  /** The API description itself (the document the scan read), not one of the API's answers. */
  readonly description?: boolean;
  /** The check that sent it (`scan` for discovery). */
  readonly owner: string;
}

/** One problem a passive check saw in one exchange; `subject` tells problems of one check apart. */
export interface PassiveProblem {
  readonly subject: string;
  readonly finding: Omit<FindingInput, "exchange" | "subject" | "url" | "method">;
}

/** A problem with the exchange it was seen in, first of its (operation, subject). */
export interface PassiveHit {
  readonly operation: string;
  /** The operation is in the API description. */
  readonly documented: boolean;
  readonly exchange: Exchange;
  readonly problem: PassiveProblem;
}

/** What a passive check saw over the whole scan. */
export interface PassiveRecord {
  /** One per (operation, subject), in the order first seen. */
  readonly hits: readonly PassiveHit[];
  /** Operations with at least one examined exchange. */
  readonly examined: ReadonlySet<string>;
  /** Documented operations with at least one examined exchange. */
  readonly examinedDocumented: ReadonlySet<string>;
  /** Documented operations with at least one answer of any kind (examined by this check or not). */
  readonly answeredDocumented: ReadonlySet<string>;
  /** Exchanges examined. */
  readonly responses: number;
}
