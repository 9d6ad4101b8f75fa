/**
 * Mongo-style matching of one string field against a query condition, the semantics a login
 * gets when it hands the parsed JSON body straight to `users.findOne({ username, password })`
 * (the `nosql-injection` flaw). A plain value means equality; an object of operators
 * (`$eq $ne $gt $gte $lt $lte $in $nin $regex $options $exists $not`) means what MongoDB makes of
 * it, so `{"$ne": null}` or `{"$gt": ""}` match any password. An unknown operator throws, as
 * the driver does, which a scanner sees as a 500.
 *
 * @example
 * ```ts
 * matchesCondition("s3cret", "s3cret"); // true
 * matchesCondition("s3cret", { $ne: null }); // true
 * matchesCondition("s3cret", { $regex: "^s" }); // true
 * ```
 */
export function matchesCondition(value: string, condition: unknown): boolean {
  if (condition === null || typeof condition !== "object" || Array.isArray(condition)) {
    return value === condition;
  }
  const entries = Object.entries(condition);
  if (!entries.some(([key]) => key.startsWith("$"))) return false;
  const options = (condition as { $options?: unknown }).$options;
  return entries.every(([op, arg]) => matchesOperator(value, op, arg, options));
}

function matchesOperator(value: string, op: string, arg: unknown, options: unknown): boolean {
  switch (op) {
    case "$eq":
      return value === arg;
    case "$ne":
      return value !== arg;
    // MongoDB compares only values of the same type: a string against a number is no match.
    case "$gt":
      return typeof arg === "string" && value > arg;
    case "$gte":
      return typeof arg === "string" && value >= arg;
    case "$lt":
      return typeof arg === "string" && value < arg;
    case "$lte":
      return typeof arg === "string" && value <= arg;
    case "$in":
      return Array.isArray(arg) && arg.includes(value);
    case "$nin":
      return Array.isArray(arg) && !arg.includes(value);
    case "$exists":
      return arg !== false && arg !== 0;
    case "$not":
      return !matchesCondition(value, arg);
    case "$regex":
      return regex(arg, options).test(value);
    case "$options":
      return true;
    default:
      throw new Error(`unknown operator: ${op}`);
  }
}

function regex(source: unknown, options: unknown): RegExp {
  if (typeof source !== "string" || source.length > 200)
    throw new Error("$regex has to be a string");
  const flags = typeof options === "string" ? options.replace(/[^ims]/g, "") : "";
  return new RegExp(source, flags);
}
