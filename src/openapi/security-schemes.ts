import { asObject, type Obj } from "./operations.js";
import { childPointer } from "./pointer.js";
import type { LoadedDocument } from "./types.js";

/** A security scheme of the document (3.x `components.securitySchemes`, 2.0 `securityDefinitions`). */
export interface SchemeEntry {
  readonly name: string;
  readonly pointer: string;
  readonly value: Obj;
}

/**
 * Lists the security schemes of a document whatever its version.
 *
 * @example
 * ```ts
 * securitySchemes(doc).filter((s) => s.value.type === "oauth2");
 * ```
 */
export function securitySchemes(doc: LoadedDocument): SchemeEntry[] {
  const base = doc.version === "2.0" ? "/securityDefinitions" : "/components/securitySchemes";
  const all = asObject(doc.resolve(base));
  const out: SchemeEntry[] = [];
  for (const name of Object.keys(all ?? {})) {
    const pointer = childPointer(base, name);
    const value = asObject(doc.resolve(pointer));
    if (value) out.push({ name, pointer, value });
  }
  return out;
}

/** The OAuth 2.0 flows of a scheme, normalised: 3.x `flows.<name>`, 2.0 `flow: <name>`. */
export function oauthFlows(
  doc: LoadedDocument,
  scheme: SchemeEntry,
): { flow: string; pointer: string; value: Obj }[] {
  if (scheme.value.type !== "oauth2") return [];
  if (doc.version === "2.0") {
    const flow = typeof scheme.value.flow === "string" ? scheme.value.flow : "";
    // 2.0 names: implicit, password, application (client credentials), accessCode (code).
    const name =
      flow === "accessCode"
        ? "authorizationCode"
        : flow === "application"
          ? "clientCredentials"
          : flow;
    return [{ flow: name, pointer: scheme.pointer, value: scheme.value }];
  }
  const flows = asObject(scheme.value.flows);
  return Object.keys(flows ?? {}).flatMap((flow) => {
    const pointer = childPointer(scheme.pointer, "flows", flow);
    const value = asObject(doc.resolve(pointer));
    return value ? [{ flow, pointer, value }] : [];
  });
}
