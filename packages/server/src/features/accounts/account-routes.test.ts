import { describe, expect, it } from 'vitest';
import { IdBody, plainIdBody } from './account-routes.ts';

/** The plain reader gives what zod gives, key for key, or leaves the body to zod. */
function sameAsZod(json: unknown) {
  const read = plainIdBody(json);
  const parsed = IdBody.safeParse(json);
  if (read !== undefined) {
    expect(parsed.success).toBe(true);
    expect(read).toStrictEqual(parsed.success ? parsed.data : undefined);
  }
  return read;
}

describe('plainIdBody', () => {
  it.each([
    {},
    { id: 'device-0001' },
    { id: null },
    { id: '' },
    { id: 'device-0001', vars: null },
    { vars: null },
    { id: 'device-0001', other: [1, 2], server_key: 'k' },
  ])('reads %j as zod does', (json) => {
    expect(sameAsZod(json)).toBeDefined();
  });

  it.each([
    null,
    [],
    'text',
    7,
    { id: 7 },
    { id: {} },
    { id: ['a'] },
    { id: true },
    { id: 'a', vars: {} },
    { id: 'a', vars: { k: 'v' } },
    { id: 'a', vars: { k: 1 } },
    { id: 'a', vars: 'x' },
  ])('leaves %j to zod', (json) => {
    expect(sameAsZod(json)).toBeUndefined();
  });
});
