import { z } from 'zod';

/**
 * The request bodies of the storage endpoints, as proto3 JSON allows them: unknown fields ignored,
 * `null` meaning absent, int32 wrappers as numbers or numeric strings. A wrong type is a 400 naming
 * the field (zod's message, through `jsonBody`).
 *
 * Writes and reads are the hot endpoints, so each also has a plain reader for the usual shape (every
 * field absent, `null` or of its JSON type; permissions as numbers) that gives what the schema gives
 * without zod, and `undefined` for anything else, which zod then reads or refuses as before.
 */

const str = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined);
const int32 = z
  .union([
    z.number(),
    z
      .string()
      .regex(/^-?\d{1,10}$/, 'expected an integer')
      .transform(Number),
  ])
  .nullish()
  .transform((v) => v ?? undefined);
const list = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .nullish()
    .transform((v) => v ?? []);

export const WriteBody = z.object({
  objects: list(
    z.object({
      collection: str,
      key: str,
      value: str,
      version: str,
      permission_read: int32,
      permission_write: int32,
    }),
  ),
});
export const ReadBody = z.object({ object_ids: list(z.object({ collection: str, key: str, user_id: str })) });
export const DeleteBody = z.object({
  object_ids: list(z.object({ collection: str, key: str, version: str })),
});

type Write = z.output<typeof WriteBody>;
type Read = z.output<typeof ReadBody>;

/** Marks a value the plain readers leave to zod. */
const NOT_PLAIN = Symbol('not plain');

/** How a plain reader reads one field: its value as the schema outputs it, or {@link NOT_PLAIN}. */
type FieldReader = (v: unknown) => unknown;

/** `str`: a string, or `null` as `undefined`. */
const plainStr: FieldReader = (v) => (v === null ? undefined : typeof v === 'string' ? v : NOT_PLAIN);

/** `int32` for a JSON number (a numeric string is left to zod), or `null` as `undefined`. */
const plainNumber: FieldReader = (v) =>
  v === null ? undefined : typeof v === 'number' && Number.isFinite(v) ? v : NOT_PLAIN;

const WRITE_FIELDS: readonly (readonly [string, FieldReader])[] = [
  ['collection', plainStr],
  ['key', plainStr],
  ['value', plainStr],
  ['version', plainStr],
  ['permission_read', plainNumber],
  ['permission_write', plainNumber],
];
const READ_FIELDS: readonly (readonly [string, FieldReader])[] = [
  ['collection', plainStr],
  ['key', plainStr],
  ['user_id', plainStr],
];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The objects of a `list` read field by field as zod's `z.object` reads them: unknown fields dropped,
 * a field absent from the body absent from the result (JSON has no `undefined`, so absent is
 * `undefined`). `undefined` when the list or one of its items is not of the usual shape.
 */
function plainList(list: unknown, fields: readonly (readonly [string, FieldReader])[]): object[] | undefined {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) return undefined;
  const out: object[] = [];
  for (const item of list) {
    if (!isRecord(item)) return undefined;
    const read: Record<string, unknown> = {};
    for (const [name, field] of fields) {
      const v = item[name];
      if (v === undefined) continue;
      const value = field(v);
      if (value === NOT_PLAIN) return undefined;
      read[name] = value;
    }
    out.push(read);
  }
  return out;
}

/** {@link WriteBody}'s output for a body of the usual shape; `undefined` leaves it to zod. */
export function plainWriteBody(json: unknown): Write | undefined {
  if (!isRecord(json)) return undefined;
  const objects = plainList(json.objects, WRITE_FIELDS);
  return objects && { objects: objects as Write['objects'] };
}

/** {@link ReadBody}'s output for a body of the usual shape; `undefined` leaves it to zod. */
export function plainReadBody(json: unknown): Read | undefined {
  if (!isRecord(json)) return undefined;
  const ids = plainList(json.object_ids, READ_FIELDS);
  return ids && { object_ids: ids as Read['object_ids'] };
}
