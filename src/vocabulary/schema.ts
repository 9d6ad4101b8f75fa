import { type TString, Type } from "@sinclair/typebox";

const words = (
  description: string,
  item: TString = Type.String({ minLength: 1, maxLength: 200 }),
) => Type.Optional(Type.Array(item, { maxItems: 100_000, uniqueItems: true, description }));

const SEGMENT = Type.String({ minLength: 1, maxLength: 200, pattern: "^[^/\\s]+$" });

/**
 * The `vocabulary:` section of `rampart.yaml`: words added to the lists scan, audit and guard
 * decide with (src/vocabulary/words.ts). Additions only: the defaults always apply.
 *
 * @example
 * ```yaml
 * vocabulary:
 *   adminSegments: [backstage]
 *   privilegedFields: [loyaltyPoints]
 *   jwtSecrets: [our-old-staging-secret]
 * ```
 */
export const VocabularySchema = Type.Object(
  {
    adminSegments: words("path segments of administrative areas", SEGMENT),
    userSegments: words("path segments of user collections", SEGMENT),
    publicResourceSegments: words(
      "path segments of resources public by design under a user (playlists, followers)",
      SEGMENT,
    ),
    userNames: words("prefixes of user-identifier names (user gives user_id, username)"),
    registrationSegments: words("last path segments of sign-up operations", SEGMENT),
    privilegedFields: words("properties a client must never set"),
    privateFields: words("members of a user record a public profile must not show"),
    secretNames: words("names of secret values"),
    jwtSecrets: words(
      "HMAC secrets known to be weak: tried first by the scan's JWT-01 search, refused by the guard",
      Type.String({ minLength: 1, maxLength: 4096 }),
    ),
  },
  { additionalProperties: false },
);
