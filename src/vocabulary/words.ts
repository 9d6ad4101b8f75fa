/**
 * The words Rampart's heuristics run on, as data: scan, audit and guard read them only through
 * {@link buildVocabulary}, and `rampart.yaml`'s `vocabulary:` section adds to every list (it
 * never removes: the defaults are the floor). Names are compared normalised (`isAdmin`,
 * `is-admin` and `IS_ADMIN` are `is_admin`), path segments case-insensitively.
 */
export interface VocabularyWords {
  /** Path segments of an administrative area: `/admin/users`, `/internal/stats`. */
  readonly adminSegments: readonly string[];
  /** Path segments of user collections: a parameter after one is a user's id (`/users/{id}`). */
  readonly userSegments: readonly string[];
  /** Prefixes of user-identifier names: `user` gives `user_id`, `user_uuid`, `username`. */
  readonly userNames: readonly string[];
  /**
   * Path segments of resources public by design under a user (`/users/{id}/playlists`): reading
   * another user's is the purpose, so only writes there are user-id-in-path candidates.
   */
  readonly publicResourceSegments: readonly string[];
  /** Last path segments of sign-up operations (`POST /register`); user collections count too. */
  readonly registrationSegments: readonly string[];
  /** Properties a client must never set itself (mass assignment, API3:2023). */
  readonly privilegedFields: readonly string[];
  /** Members of a user record that are the user's own business, not a public profile's. */
  readonly privateFields: readonly string[];
  /** More names of secret values (passwords, keys), beside the built-in patterns. */
  readonly secretNames: readonly string[];
  /** More weak HMAC secrets: tried first by the scan's JWT-01 search, refused by the guard's auth. */
  readonly jwtSecrets: readonly string[];
}

/** The default words. Each list is what the checks need to be right on real APIs. */
export const DEFAULT_WORDS: VocabularyWords = Object.freeze({
  adminSegments: Object.freeze([
    "admin",
    "admins",
    "administrator",
    "administration",
    "internal",
    "manage",
    "management",
    "staff",
    "superuser",
    "sudo",
    "backoffice",
    "back-office",
    "console",
    "actuator",
    "ops",
    "debug",
  ]),
  userSegments: Object.freeze([
    "user",
    "users",
    "account",
    "accounts",
    "customer",
    "customers",
    "member",
    "members",
    "profile",
    "profiles",
    "owner",
    "owners",
    "people",
    "person",
    "persons",
  ]),
  publicResourceSegments: Object.freeze([
    "playlists",
    "followers",
    "following",
    "starred",
    "gists",
    "repos",
    "repositories",
    "orgs",
    "organizations",
    "received_events",
    "public_events",
    "projects",
    "projectsv2",
    "packages",
    "attestations",
    "keys",
    "gpg_keys",
    "ssh_signing_keys",
    "social_accounts",
    "hovercard",
    "posts",
    "albums",
    "tracks",
    "videos",
    "photos",
  ]),
  userNames: Object.freeze(["user", "account", "customer", "member", "profile", "person", "owner"]),
  registrationSegments: Object.freeze([
    "register",
    "registration",
    "signup",
    "sign-up",
    "sign_up",
    "join",
    "enroll",
    "enrol",
  ]),
  privilegedFields: Object.freeze([
    "role",
    "roles",
    "is_admin",
    "admin",
    "is_superuser",
    "superuser",
    "is_staff",
    "staff",
    "permission",
    "permissions",
    "privilege",
    "privileges",
    "scope",
    "scopes",
    "group",
    "groups",
    "access_level",
    "user_type",
    "account_type",
    "is_verified",
    "verified",
    "email_verified",
    "is_approved",
    "approved",
    "owner_id",
    "owner",
    "user_id",
    "tenant_id",
    "org_id",
    "organization_id",
    "credit",
    "credits",
    "balance",
    "plan",
    "tier",
    "is_premium",
    "premium",
    "trusted",
    "is_trusted",
  ]),
  privateFields: Object.freeze([
    "email",
    "e_mail",
    "email_address",
    "password",
    "password_hash",
    "hash",
    "phone",
    "phone_number",
    "mobile",
    "address",
    "ssn",
    "birth_date",
    "date_of_birth",
    "dob",
    "salary",
    "card_number",
    "iban",
    "balance",
    "secret",
    "otp",
  ]),
  secretNames: Object.freeze([]),
  jwtSecrets: Object.freeze([]),
});
