/**
 * The checklist item ids. The 52 ids of the API Security Checklist are canonical and shared by
 * every part of Rampart; the `EXT-` ids are the checks beyond the checklist. Ids are never
 * renamed or reused. A test keeps this list and `catalog/items.yaml` in step.
 */
export const CHECKLIST_IDS = [
  "AUTH-01",
  "AUTH-02",
  "AUTH-03",
  "AUTH-04",
  "JWT-01",
  "JWT-02",
  "JWT-03",
  "JWT-04",
  "JWT-05",
  "ACC-01",
  "ACC-02",
  "ACC-03",
  "ACC-04",
  "ACC-05",
  "OAUTH-01",
  "OAUTH-02",
  "OAUTH-03",
  "OAUTH-04",
  "IN-01",
  "IN-02",
  "IN-03",
  "IN-04",
  "IN-05",
  "IN-06",
  "IN-07",
  "PROC-01",
  "PROC-02",
  "PROC-03",
  "PROC-04",
  "PROC-05",
  "PROC-06",
  "PROC-07",
  "PROC-08",
  "PROC-09",
  "OUT-01",
  "OUT-02",
  "OUT-03",
  "OUT-04",
  "OUT-05",
  "OUT-06",
  "OUT-07",
  "CI-01",
  "CI-02",
  "CI-03",
  "CI-04",
  "CI-05",
  "CI-06",
  "MON-01",
  "MON-02",
  "MON-03",
  "MON-04",
  "MON-05",
] as const;

/** Checks users expect from such a tool that the checklist does not name. */
export const EXTRA_IDS = ["EXT-01", "EXT-02", "EXT-03", "EXT-04", "EXT-05", "EXT-06"] as const;

export const ITEM_IDS = [...CHECKLIST_IDS, ...EXTRA_IDS] as const;

export type ChecklistId = (typeof CHECKLIST_IDS)[number];
export type ExtraId = (typeof EXTRA_IDS)[number];
export type ItemId = ChecklistId | ExtraId;

/** The shape every item id has: a section prefix and two digits. */
export const ITEM_ID_PATTERN = /^(AUTH|JWT|ACC|OAUTH|IN|PROC|OUT|CI|MON|EXT)-\d{2}$/;

const known: ReadonlySet<string> = new Set(ITEM_IDS);

export function isItemId(value: unknown): value is ItemId {
  return typeof value === "string" && known.has(value);
}
