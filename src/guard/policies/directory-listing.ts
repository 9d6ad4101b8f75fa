import { Type } from "@sinclair/typebox";
import type { GuardPolicy } from "../policy.js";
import { rejection } from "../policy.js";
import { Bytes, policyOptions } from "../policy-options.js";
import { mediaTypeOf } from "./response-type.js";

/** `policies.listing` in the config: what can be set, and the defaults (the secure choice). */
export const directoryListingOptions = policyOptions(
  "listing",
  Type.Object({ maxBytes: Type.Optional(Bytes) }, { additionalProperties: false }),
  {
    /** HTML bodies up to this size are inspected for directory indexes. */
    maxBytes: 256 * 1024,
  },
);

/** Autoindex pages of nginx and Apache, Python's http.server, IIS, Jetty, Tomcat, Express serve-index. */
const LISTING =
  /<title>\s*(?:Index of \/|Directory listing for \/|[^<]*- \/<\/title>[\s\S]*\[To Parent Directory\]|Listing of directory)|<h1>\s*(?:Index of \/|Directory listing for \/)|\[To Parent Directory\]|<ul id="files">/i;

/** Whether an HTML body is a generated directory index. */
export function looksLikeDirectoryListing(text: string): boolean {
  return LISTING.test(text);
}

/** Directory-listing responses are answered with 404 instead (ACC-04). */
export const directoryListingPolicy: GuardPolicy = {
  id: "directory-listing",
  options: directoryListingOptions,
  items: ["ACC-04"],
  title: "Generated directory indexes blocked with 404",
  create(route) {
    const max = route.policies.listing.maxBytes;
    if (max === 0) return undefined;
    const refused = rejection(directoryListingPolicy, 404, "Not Found", "No such resource.");
    return {
      onResponseHead(head) {
        const declared = head.headers["content-type"];
        // Most responses declare a type outside text/: its first letter tells, unparsed.
        const first = typeof declared === "string" ? declared.charCodeAt(0) | 0x20 : 0;
        if (head.status >= 300 || (first >= 0x61 && first <= 0x7a && first !== 0x74))
          return undefined;
        const type = mediaTypeOf(declared);
        return head.status < 300 && (type === "text/html" || type === "text/plain" || type === "")
          ? max
          : undefined;
      },
      // Other policies may have the body read (a debug-scrub peek at a JSON answer): only an
      // answer this policy would have asked for is judged.
      onResponseBody(body, head) {
        if (head.status >= 300) return undefined;
        const type = mediaTypeOf(head.headers["content-type"]);
        if (type !== "text/html" && type !== "text/plain" && type !== "") return undefined;
        return looksLikeDirectoryListing(body.toString("utf8")) ? refused : undefined;
      },
    };
  },
};
