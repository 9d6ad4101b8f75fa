import type { Exchange, ScanCheck } from "../../types.js";
import { notTested, ran } from "../outcome.js";

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

/** ACC-04: common directories do not answer with a listing of their files. */
export const directoryListingCheck: ScanCheck = {
  id: "acc-04-directory-listing",
  items: ["ACC-04"],
  severity: "medium",
  intrusive: false,
  needs: [],
  title: "No directory listings",
  async run(context) {
    // If a made-up directory renders as a listing too, the signatures prove nothing here.
    const baseline = await context.http.trySend({ url: `${context.randomPath("/")}/` });
    if (baseline && isDirectoryListing(baseline))
      return notTested("a made-up directory answers with a listing page too (catch-all)");
    const answers = await Promise.all(
      LISTING_PATHS.map((path) => context.http.trySend({ url: path })),
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
    return ran(findings);
  },
};
