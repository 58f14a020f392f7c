/** Quotes an SQL identifier (schema names come from configuration, already restricted to [a-z0-9_]). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A plain lower-case SQL identifier, safe to splice into SQL text without quoting. */
export function isPlainIdentifier(name: string): boolean {
  return /^[a-z_][a-z0-9_]{0,62}$/.test(name);
}
