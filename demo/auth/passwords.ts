import { verifyPassword } from "../store.js";
import type { DemoStore, DemoUser } from "../types.js";

/**
 * Checks a submitted password against a user's scrypt hash. For an unknown user the work is
 * done all the same, against another user's hash, so that response timing does not tell which
 * usernames exist.
 *
 * @example
 * ```ts
 * await passwordMatches(store, store.findUserByUsername("alice"), "wrong"); // false
 * ```
 */
export async function passwordMatches(
  store: DemoStore,
  user: DemoUser | undefined,
  password: string,
): Promise<boolean> {
  const hash = user?.passwordHash ?? store.users[0]?.passwordHash ?? "";
  const matches = await verifyPassword(password, hash);
  return matches && user !== undefined;
}
