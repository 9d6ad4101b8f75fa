import type { Exchange, ScanCheck } from "../../types.js";
import { covered, notTested, ran, undescribed } from "../outcome.js";
import { passiveCheck } from "../passive-check.js";

/** Directories that commonly end up listable. */
export const LISTING_PATHS = [
  "/static/",
  "/uploads/",
  "/files/",
  "/backup/",
  "/public/",
  "/assets/",
] as const;

// Autoindex pages of nginx, Apache, lighttpd, IIS, Python's http.server, Jetty and Tomcat.
const SIGNATURES: readonly RegExp[] = [
  /<title>\s*Index of \/[^<]*<\/title>/i,
  /<h1>\s*Index of \/[^<]*<\/h1>/i,
  /<title>\s*Directory listing for \/[^<]*<\/title>/i,
  /\[To Parent Directory\]/i,
  /<title>\s*Directory: \/[^<]*<\/title>/i,
];

/**
 * Recognises an autoindex page by its structure: a 200 HTML answer with an "Index of" style
 * title or heading and links to entries. A 200 alone proves nothing (catch-all hosts).
 */
export function isDirectoryListing(exchange: Exchange): boolean {
  if (exchange.status !== 200) return false;
  if (!/html/i.test(exchange.headers["content-type"] ?? "html")) return false;
  const links = exchange.body.match(/<a\s[^>]*href=/gi)?.length ?? 0;
  return links >= 1 && SIGNATURES.some((s) => s.test(exchange.body));
}

/** Directories probed at most: common ones first, then those of the URLs the scan knows. */
export const MAX_LISTING_PROBES = 24;

/**
 * The directories worth asking for a listing: the common ones, then every parent directory of
 * the documented paths and of the URLs seen so far (`/api/v1/users/{id}` gives `/api/`,
 * `/api/v1/`, `/api/v1/users/`), shortest first.
 *
 * @example
 * ```ts
 * listingCandidates(["/api/v1/users/{id}"]); // ["/static/", ..., "/api/", "/api/v1/", "/api/v1/users/"]
 * ```
 */
export function listingCandidates(paths: readonly string[]): string[] {
  const found = new Set<string>(LISTING_PATHS);
  const parents = new Set<string>();
  for (const path of paths) {
    const segments = path.split("?")[0]?.split("/").filter(Boolean) ?? [];
    for (let i = 1; i < segments.length; i++) {
      const dir = segments.slice(0, i);
      if (dir.some((s) => s.includes("{"))) break;
      parents.add(`/${dir.join("/")}/`);
    }
  }
  const sorted = [...parents].sort((a, b) => a.length - b.length || a.localeCompare(b));
  for (const dir of sorted) found.add(dir);
  return [...found];
}

/** ACC-04: common directories, and the directories of every path seen, list no files. */
export const directoryListingCheck: ScanCheck = {
  id: "acc-04-directory-listing",
  items: ["ACC-04"],
  proves: ["ACC-04"],
  severity: "medium",
  intrusive: false,
  needs: [],
  title: "No directory listings",
  async run(context) {
    // If a made-up directory renders as a listing too, the signatures prove nothing here.
    const baseline = await context.http.trySend({ url: `${context.randomPath("/")}/` });
    if (baseline && isDirectoryListing(baseline))
      return notTested("a made-up directory answers with a listing page too (catch-all)");
    const { target } = context;
    const seen = [
      ...target.operations.map((o) => new URL(o.url).pathname),
      ...target.observed.map((o) => new URL(o.exchange.url).pathname),
      ...target.urls.filter((u) => context.http.inScope(u)).map((u) => new URL(u).pathname),
    ];
    const candidates = listingCandidates(seen);
    const probed = candidates.slice(0, MAX_LISTING_PROBES);
    const answers = await Promise.all(
      probed.map((path) => context.http.trySend({ url: new URL(path, target.base.origin) })),
    );
    if (answers.every((e) => e === undefined))
      return notTested("none of the directory probes answered (timeouts or broken responses)");
    const findings = answers
      .filter((e): e is Exchange => e !== undefined && isDirectoryListing(e))
      .map((e) =>
        context.finding({
          title: "Directory listing enabled",
          detail: `${new URL(e.url).pathname} answers with an index of its files, handing out names of files never meant to be found (backups, exports, configuration).`,
          exchange: e,
          headers: ["content-type"],
          body: true,
          subject: "listing",
        }),
      );
    const gaps = [
      ...(candidates.length > probed.length
        ? [`${candidates.length - probed.length} directories beyond the first ${probed.length}`]
        : []),
      ...undescribed(context),
    ];
    return ran(findings, covered(probed.length, candidates.length, "directories", gaps));
  },
};

/**
 * ACC-04, passively on every answer of the scan: a listing met anywhere (a link followed, an
 * upload folder a check asked for) counts, not only the directories probed on purpose.
 */
export const listingSeenCheck: ScanCheck = passiveCheck({
  id: "acc-04-listing-seen",
  items: ["ACC-04"],
  proves: [],
  severity: "medium",
  title: "No directory listing in any response",
  // A target that renders every path as an index proves nothing by rendering one.
  guard: (context) =>
    context.target.baseline && isDirectoryListing(context.target.baseline)
      ? "a made-up path answers with a listing page too (catch-all)"
      : undefined,
  examines: (e) => e.status === 200 && /html/i.test(e.headers["content-type"] ?? "html"),
  inspect: (e) =>
    isDirectoryListing(e)
      ? [
          {
            subject: "listing",
            finding: {
              title: "Directory listing enabled",
              detail: `${new URL(e.url).pathname} answers with an index of its files, handing out names of files never meant to be found (backups, exports, configuration).`,
              headers: ["content-type"],
              body: true,
            },
          },
        ]
      : [],
});
