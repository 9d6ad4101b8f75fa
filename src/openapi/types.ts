import type { RampartError } from "../core/errors.js";
/**
 * The OpenAPI model shared by `rampart audit` and `rampart scan`: a document loaded from YAML or
 * JSON (2.0, 3.0 or 3.1) that remembers where every node came from, and its operations in one
 * normalised shape whatever the version.
 */

export type OpenApiVersion = "2.0" | "3.0" | "3.1";

/** A source position: file, JSON pointer inside that file, 1-based line and column. */
export interface SourceLocation {
  readonly file: string;
  readonly pointer: string;
  readonly line: number;
  readonly column: number;
}

export interface LoadedDocument {
  readonly version: OpenApiVersion;
  /** The root file (path or URL) as given. */
  readonly file: string;
  /** The document as parsed, `$ref`s left in place. */
  readonly raw: Readonly<Record<string, unknown>>;
  /**
   * What a tolerant load found broken and went past (always empty when loaded strictly): one
   * error each, with its code and `file:line:column`.
   */
  readonly problems: readonly RampartError[];
  /** Where the node at a pointer of the root document is, following `$ref`s across files. */
  locate(pointer: string): SourceLocation | undefined;
  /** The value at a pointer, `$ref`s resolved (local and, when allowed, across files). */
  resolve(pointer: string): unknown;
}

export interface Parameter {
  readonly name: string;
  readonly in: "query" | "header" | "path" | "cookie";
  readonly required: boolean;
  /** The parameter's schema, `$ref`s resolved. */
  readonly schema?: Readonly<Record<string, unknown>>;
  readonly example?: unknown;
  /** JSON pointer of the parameter in the root document. */
  readonly pointer: string;
  /**
   * JSON pointer of the schema in the root document (`$ref`s followed by `locate`/`resolve`):
   * `<pointer>/schema` in 3.x, the parameter itself in 2.0 where the schema keywords sit on it.
   */
  readonly schemaPointer?: string;
  /** The parameter's `description`, if any. */
  readonly description?: string;
}

export interface MediaContent {
  readonly mediaType: string;
  readonly schema?: Readonly<Record<string, unknown>>;
  readonly example?: unknown;
  /** JSON pointer of the media type object (3.x) or of what declares it (2.0), in the root document. */
  readonly pointer?: string;
  /** JSON pointer of the schema in the root document, when it exists as a node. */
  readonly schemaPointer?: string;
}

export interface Operation {
  readonly method: "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace";
  /** The path template, e.g. `/api/orders/{id}`. */
  readonly path: string;
  readonly operationId?: string;
  /** JSON pointer of the operation, e.g. `/paths/~1api~1orders~1{id}/get`. */
  readonly pointer: string;
  readonly parameters: readonly Parameter[];
  readonly requestBody?: {
    readonly required: boolean;
    readonly content: readonly MediaContent[];
    /** JSON pointer of the request body (3.x) or of the body / first formData parameter (2.0). */
    readonly pointer?: string;
  };
  /** By status code (or `default`). */
  readonly responses: Readonly<
    Record<
      string,
      {
        readonly content: readonly MediaContent[];
        readonly headers: readonly string[];
        /** JSON pointer of the response in the root document. */
        readonly pointer?: string;
      }
    >
  >;
  /**
   * Effective security: the operation's own, else the document's; `[]` means explicitly public;
   * `undefined` means nothing declared anywhere.
   */
  readonly security: readonly Readonly<Record<string, readonly string[]>>[] | undefined;
  /** Why an operation without security is public (the `x-rampart-public` extension), if stated. */
  readonly publicReason?: string;
  /** The operation's tags, as written (empty when it has none). */
  readonly tags?: readonly string[];
}
