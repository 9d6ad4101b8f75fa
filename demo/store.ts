import { randomBytes, randomUUID, type ScryptOptions, scrypt, timingSafeEqual } from "node:crypto";
import type { FlawId } from "./flaws.js";
import type { DemoOrder, DemoStore, DemoUser, Role } from "./types.js";

/** A seeded demo account: fixed, published credentials (the demo is a target, never a service). */
export interface DemoUserSeed {
  readonly id: string;
  readonly username: string;
  readonly password: string;
  readonly role: Role;
  readonly email: string;
  readonly displayName: string;
  /** A well-known, Luhn-valid test card number (no real account behind it). */
  readonly cardNumber: string;
}

/**
 * The demo's accounts. Ids and passwords are stable across starts so that tests and scan
 * configs can name them; API keys are random per start (read them from the store).
 *
 * @example
 * ```ts
 * const { username, password } = DEMO_USERS.alice; // "alice", "alice-demo-pass"
 * ```
 */
export const DEMO_USERS = {
  alice: {
    id: "5f0c7d2a-8b1e-4c3f-9a6d-2e4b1c7f8a01",
    username: "alice",
    password: "alice-demo-pass",
    role: "user",
    email: "alice@example.test",
    displayName: "Alice Example",
    cardNumber: "4111111111111111",
  },
  bob: {
    id: "9b3e6f14-2c7a-4d58-8e1b-7a0f3d9c6b02",
    username: "bob",
    password: "bob-demo-pass",
    role: "user",
    email: "bob@example.test",
    displayName: "Bob Example",
    cardNumber: "5555555555554444",
  },
  carol: {
    id: "c41a8e7d-6f2b-4a90-b3c5-1d8e2f7a9c03",
    username: "carol",
    password: "carol-demo-pass",
    role: "admin",
    email: "carol@example.test",
    displayName: "Carol Admin",
    cardNumber: "378282246310005",
  },
} as const satisfies Record<string, DemoUserSeed>;

/** First order id handed out with `sequential-ids`. */
export const FIRST_SEQUENTIAL_ORDER_ID = 1001;

const SEED_ORDERS: readonly { owner: keyof typeof DEMO_USERS; item: string; quantity: number }[] = [
  { owner: "alice", item: "Blue widget", quantity: 2 },
  { owner: "alice", item: "Gear set", quantity: 1 },
  { owner: "bob", item: "Copper wire (10 m)", quantity: 3 },
  { owner: "bob", item: "Soldering iron", quantity: 1 },
  { owner: "carol", item: "Server rack", quantity: 1 },
];

// OWASP's password storage guidance: scrypt with N=2^17 is the recommendation; the demo uses
// 2^14 (still a memory-hard KDF) so that start-up and tests stay fast.
const SCRYPT = { N: 16384, r: 8, p: 1, keyLength: 32 } as const;

/**
 * Creates the in-memory store of one demo: the seeded users and their orders.
 *
 * @example
 * ```ts
 * const store = await createStore(resolveFlaws("sequential-ids"));
 * store.nextOrderId(); // "1006" (five seeded orders took 1001..1005)
 * ```
 */
export async function createStore(flaws: ReadonlySet<FlawId>): Promise<DemoStore> {
  const users: DemoUser[] = await Promise.all(
    Object.values(DEMO_USERS).map(async (seed) => ({
      ...seed,
      passwordHash: await hashPassword(seed.password),
      apiKey: `rk_${randomBytes(24).toString("base64url")}`,
    })),
  );
  const orders: DemoOrder[] = [];
  let counter = FIRST_SEQUENTIAL_ORDER_ID;
  const nextOrderId = (): string =>
    flaws.has("sequential-ids") ? String(counter++) : randomUUID();

  const store: DemoStore = {
    users,
    orders,
    findUserByUsername: (username) => users.find((u) => u.username === username),
    findUserById: (id) => users.find((u) => u.id === id),
    findUserByApiKey: (apiKey) => users.find((u) => u.apiKey === apiKey),
    nextOrderId,
  };
  const seededAt = new Date().toISOString();
  for (const seed of SEED_ORDERS) {
    orders.push({
      id: nextOrderId(),
      ownerId: DEMO_USERS[seed.owner].id,
      item: seed.item,
      quantity: seed.quantity,
      status: "open",
      createdAt: seededAt,
    });
  }
  return store;
}

/**
 * Hashes a password with scrypt into a self-describing string
 * `$scrypt$N=16384,r=8,p=1$<salt>$<hash>` (base64, no padding).
 *
 * @example
 * ```ts
 * await verifyPassword("s3cret", await hashPassword("s3cret")); // true
 * ```
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, SCRYPT.keyLength, SCRYPT);
  const params = `N=${SCRYPT.N},r=${SCRYPT.r},p=${SCRYPT.p}`;
  return `$scrypt$${params}$${b64(salt)}$${b64(hash)}`;
}

/**
 * Checks a password against a hash made by {@link hashPassword}, in constant time.
 *
 * @example
 * ```ts
 * await verifyPassword("wrong", user.passwordHash); // false
 * ```
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const match = /^\$scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([^$]+)\$([^$]+)$/.exec(encoded);
  if (!match) return false;
  const [, n, r, p, salt, hash] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const expected = Buffer.from(hash, "base64");
  const actual = await scryptAsync(password, Buffer.from(salt, "base64"), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function scryptAsync(
  password: string,
  salt: Buffer,
  keyLength: number,
  options: ScryptOptions,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLength, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

function b64(bytes: Buffer): string {
  return bytes.toString("base64").replace(/=+$/, "");
}
