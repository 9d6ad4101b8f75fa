import { isSecretName as isBuiltInSecretName, isTokenName, normaliseName } from "./names.js";
import { DEFAULT_WORDS, type VocabularyWords } from "./words.js";

/** What `rampart.yaml`'s `vocabulary:` section may add: any of the lists, each optional. */
export type VocabularyAdditions = Partial<{
  readonly [K in keyof VocabularyWords]: readonly string[];
}>;

/**
 * The compiled vocabulary: every word list as a lookup, frozen. Built once per command from the
 * defaults and the configuration's additions.
 */
export interface Vocabulary {
  /** The merged lists (defaults first, additions after, each word once). */
  readonly words: VocabularyWords;
  /** `admin`, `Internal`: a segment of an administrative area. */
  isAdminSegment(segment: string): boolean;
  /** `/api/admin/users/{id}`: a path with an administrative segment. */
  isAdminPath(path: string): boolean;
  /**
   * `Admin`, `admin:org`, `UserAdministration`: a tag or OAuth scope naming an administrative
   * area, by its words. The admin segments that also name ordinary things in a label
   * (`manage`, `console`, `ops`, `debug`, ...) do not count on their own.
   */
  isAdminLabel(label: string): boolean;
  /** `users`, `Accounts`: a collection of users. */
  isUserSegment(segment: string): boolean;
  /** `playlists`, `followers`: a resource public by design under a user. */
  isPublicResourceSegment(segment: string): boolean;
  /** `userId`, `account_uuid`, `uid`: a name that holds a user's id. */
  isUserIdName(name: string): boolean;
  /** `userId`, `username`, `owner`: a name that designates a user, by id or by name. */
  isUserRefName(name: string): boolean;
  /** `POST /api/register`, `POST /v1/users`: a path that signs a new user up. */
  isRegistrationPath(path: string): boolean;
  /** `isAdmin`, `role`, `credit`: a property a client must never set. */
  isPrivilegedName(name: string): boolean;
  /** `email`, `passwordHash`, `phone`: a member a public profile does not show. */
  isPrivateField(name: string): boolean;
  /** `password`, `client_secret`, and the configured secret names. */
  isSecretName(name: string): boolean;
  /** `access_token`, `apiKey`: a bearer credential. */
  isTokenName(name: string): boolean;
  /**
   * The value an attacker would give a privileged property (`true`, `"admin"`, a large credit),
   * or undefined when it takes another object's id (an owner), which only a check that knows
   * one can choose.
   */
  privilegedValue(name: string): unknown;
}

function merged(defaults: readonly string[], extra: readonly string[] = []): readonly string[] {
  return Object.freeze([...new Set([...defaults, ...extra])]);
}

/**
 * Builds the vocabulary from the defaults and the configuration's additions (already validated
 * by the `vocabulary:` schema).
 *
 * @example
 * ```ts
 * const vocabulary = buildVocabulary({ adminSegments: ["backstage"] });
 * vocabulary.isAdminPath("/backstage/users"); // true
 * vocabulary.isPrivilegedName("isAdmin"); // true
 * ```
 */
export function buildVocabulary(additions: VocabularyAdditions = {}): Vocabulary {
  const words: VocabularyWords = Object.freeze({
    adminSegments: merged(DEFAULT_WORDS.adminSegments, additions.adminSegments),
    userSegments: merged(DEFAULT_WORDS.userSegments, additions.userSegments),
    publicResourceSegments: merged(
      DEFAULT_WORDS.publicResourceSegments,
      additions.publicResourceSegments,
    ),
    userNames: merged(DEFAULT_WORDS.userNames, additions.userNames),
    registrationSegments: merged(
      DEFAULT_WORDS.registrationSegments,
      additions.registrationSegments,
    ),
    privilegedFields: merged(DEFAULT_WORDS.privilegedFields, additions.privilegedFields),
    privateFields: merged(DEFAULT_WORDS.privateFields, additions.privateFields),
    secretNames: merged(DEFAULT_WORDS.secretNames, additions.secretNames),
    jwtSecrets: merged(DEFAULT_WORDS.jwtSecrets, additions.jwtSecrets),
  });
  const lower = (list: readonly string[]) => new Set(list.map((w) => w.toLowerCase()));
  const names = (list: readonly string[]) => new Set(list.map(normaliseName));
  const admin = lower(words.adminSegments);
  const users = lower(words.userSegments);
  const userPrefixes = names(words.userNames);
  const publicResources = lower(words.publicResourceSegments);
  const registration = lower(words.registrationSegments);
  const privileged = names(words.privilegedFields);
  const privateFields = names(words.privateFields);
  const secrets = names(words.secretNames);
  const userName = (name: string, suffixes: RegExp) => {
    const n = normaliseName(name);
    if (n === "uid") return true;
    const match = /^(.*?)_?(id|uuid|guid|name)?$/.exec(n);
    return match?.[1] !== undefined && userPrefixes.has(match[1]) && suffixes.test(match[2] ?? "");
  };
  const vocabulary: Vocabulary = {
    words,
    isAdminSegment: (segment) => admin.has(segment.toLowerCase()),
    isAdminPath: (path) => path.split("/").some((s) => admin.has(s.toLowerCase())),
    isAdminLabel: (label) =>
      labelWords(label).some((w) => admin.has(w) && !WEAK_LABEL_WORDS.has(w)),
    isUserSegment: (segment) => users.has(segment.toLowerCase()),
    isPublicResourceSegment: (segment) => publicResources.has(segment.toLowerCase()),
    isUserIdName: (name) => userName(name, /^(?:id|uuid|guid)$/),
    isUserRefName: (name) => userName(name, /^(?:id|uuid|guid|name|)$/),
    isRegistrationPath: (path) => {
      const last = path.replace(/\/+$/, "").split("/").at(-1)?.toLowerCase() ?? "";
      return registration.has(last) || users.has(last);
    },
    isPrivilegedName: (name) => privileged.has(normaliseName(name)),
    isPrivateField: (name) => privateFields.has(normaliseName(name)),
    isSecretName: (name) => isBuiltInSecretName(name) || secrets.has(normaliseName(name)),
    isTokenName,
    privilegedValue: (name) => attackerValue(normaliseName(name)),
  };
  return Object.freeze(vocabulary);
}

/**
 * Admin segments that, in a tag or a scope, usually name an ordinary user's own things: a
 * "Manage profile" tag, a `console` of one's own account, a `debug` tag of a public probe.
 */
const WEAK_LABEL_WORDS = new Set([
  "manage",
  "management",
  "console",
  "ops",
  "debug",
  "actuator",
  "sudo",
]);

/** The lower-cased words of a label: `UserAdministration` and `admin:org` alike. */
function labelWords(label: string): string[] {
  return label
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== "");
}

function attackerValue(name: string): unknown {
  if (/(?:^|_)(?:id|owner)$/.test(name)) return undefined;
  if (/^(?:roles|permissions?|privileges?|scopes?|groups?)$/.test(name)) return ["admin"];
  if (/^(?:role|user_type|account_type|access_level)$/.test(name)) return "admin";
  if (/^(?:credits?|balance)$/.test(name)) return 1_000_000;
  if (/^(?:plan|tier)$/.test(name)) return "enterprise";
  return true;
}

/** The vocabulary without additions: what every command uses when no config extends it. */
export const DEFAULT_VOCABULARY: Vocabulary = buildVocabulary();
