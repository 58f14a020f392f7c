import { describe, expect, it } from 'vitest';
import { plainReadBody, plainWriteBody, ReadBody, WriteBody } from './storage-bodies.ts';

/** The plain readers give what zod gives, or leave the body to zod; never a different answer. */
function sameAsZod(
  plain: (json: unknown) => unknown,
  schema: typeof WriteBody | typeof ReadBody,
  json: unknown,
) {
  const read = plain(json);
  const parsed = schema.safeParse(json);
  if (read !== undefined) {
    expect(parsed.success).toBe(true);
    expect(read).toStrictEqual(parsed.success ? parsed.data : undefined);
  }
  return read;
}

const UID = '5f0c7a8e-1b2c-4d3e-8f9a-0b1c2d3e4f5a';

describe('plainWriteBody', () => {
  it.each([
    {},
    { objects: null },
    { objects: [] },
    { objects: [{ collection: 'c', key: 'k', value: '{"a":1}' }] },
    { objects: [{ collection: 'c', key: 'k', value: '{}', version: '*', user_id: UID, extra: [1] }] },
    { objects: [{ collection: null, key: null, value: null, version: null }] },
    { objects: [{ collection: 'c', key: 'k', value: '{}', permission_read: 2, permission_write: 0 }] },
    { objects: [{ collection: 'c', key: 'k', value: '{}', permission_read: 1.5, permission_write: -7 }] },
    { objects: [{ collection: 'c', key: 'k', value: '{}', permission_read: null, permission_write: 1e300 }] },
    { objects: [{}, { collection: 'a' }], other: 'ignored' },
  ])('reads %j as zod does', (json) => {
    expect(sameAsZod(plainWriteBody, WriteBody, json)).toBeDefined();
  });

  it.each([
    null,
    [],
    'text',
    { objects: {} },
    { objects: 'x' },
    { objects: [null] },
    { objects: [[]] },
    { objects: [{ collection: 1 }] },
    { objects: [{ key: {} }] },
    { objects: [{ value: { a: 1 } }] },
    { objects: [{ version: false }] },
    { objects: [{ permission_read: '2' }] },
    { objects: [{ permission_write: 'x' }] },
    { objects: [{ permission_write: true }] },
  ])('leaves %j to zod', (json) => {
    expect(sameAsZod(plainWriteBody, WriteBody, json)).toBeUndefined();
  });
});

describe('plainReadBody', () => {
  it.each([
    {},
    { object_ids: null },
    { object_ids: [{ collection: 'c', key: 'k', user_id: UID }] },
    {
      object_ids: [
        { collection: 'c', key: 'k' },
        { user_id: null, version: 'v' },
      ],
    },
  ])('reads %j as zod does', (json) => {
    expect(sameAsZod(plainReadBody, ReadBody, json)).toBeDefined();
  });

  it.each([null, [], { object_ids: 5 }, { object_ids: [1] }, { object_ids: [{ user_id: 7 }] }])(
    'leaves %j to zod',
    (json) => {
      expect(sameAsZod(plainReadBody, ReadBody, json)).toBeUndefined();
    },
  );
});
