import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readClaims } from './claims.ts';

/** The schema the claims were read with before `readClaims`: the reference it must agree with. */
const ClaimsSchema = z.object({
  tid: z.uuid(),
  uid: z.uuid(),
  usn: z.string(),
  vrs: z.record(z.string(), z.string()).optional(),
  exp: z.number().int(),
  iat: z.number().int(),
});

/** What the schema gives for `raw`: the claims, or the path of its first issue. */
function reference(raw: unknown): unknown {
  const parsed = ClaimsSchema.safeParse(raw);
  return parsed.success ? parsed.data : (parsed.error.issues[0]?.path.join('.') ?? '');
}

function expectAsSchema(raw: unknown): void {
  const json = JSON.stringify(raw) ?? String(raw);
  const got = readClaims(raw);
  expect({ json, got }).toEqual({ json, got: reference(raw) });
  if (typeof got === 'object') expect(Object.keys(got)).toEqual(Object.keys(reference(raw) as object));
}

const TID = '019af5a2-7c1e-7a3b-9c2d-1234567890ab';
const UID = '019af5a2-7c1e-4a3b-8c2d-1234567890ac';
const VALID = { tid: TID, uid: UID, usn: 'player', exp: 1_765_003_600, iat: 1_765_000_000 };

describe('readClaims', () => {
  it('agrees with the zod schema on valid and malformed claims', () => {
    const cases: unknown[] = [
      VALID,
      { ...VALID, vrs: {} },
      { ...VALID, vrs: { a: 'b', '1': 'c', é: '' } },
      { ...VALID, extra: 1, tid: TID.toUpperCase() },
      { ...VALID, tid: '00000000-0000-0000-0000-000000000000', uid: 'ffffffff-ffff-ffff-ffff-ffffffffffff' },
      { ...VALID, tid: 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF' },
      { ...VALID, tid: '019af5a2-7c1e-9a3b-9c2d-1234567890ab' },
      { ...VALID, tid: '019af5a2-7c1e-0a3b-9c2d-1234567890ab' },
      { ...VALID, uid: '019af5a2-7c1e-7a3b-7c2d-1234567890ab' },
      { ...VALID, uid: `${UID}\n` },
      { ...VALID, uid: ` ${UID}` },
      { ...VALID, uid: 7 },
      { ...VALID, usn: 5 },
      { ...VALID, usn: '' },
      { ...VALID, vrs: null },
      { ...VALID, vrs: [] },
      { ...VALID, vrs: ['a'] },
      { ...VALID, vrs: 'x' },
      { ...VALID, vrs: { a: 'b', c: 1, d: null } },
      { ...VALID, exp: 1.5 },
      { ...VALID, exp: 2 ** 53 },
      { ...VALID, exp: 2 ** 53 - 1, iat: -(2 ** 53 - 1) },
      { ...VALID, exp: '1' },
      { ...VALID, exp: null, iat: null },
      { ...VALID, iat: 1e21 },
      { tid: TID },
      {},
      { ...VALID, tid: 1, uid: 2, usn: 3, exp: 'x' },
      { ...VALID, usn: null, vrs: { a: 1 }, exp: 0.5 },
      [],
      [VALID],
      null,
      5,
      'claims',
      true,
      undefined,
      JSON.parse(`{"tid":"${TID}","uid":"${UID}","usn":"u","exp":1,"iat":2,"vrs":{"__proto__":"x","b":"c"}}`),
      JSON.parse(`{"tid":"${TID}","uid":"${UID}","usn":"u","exp":-0,"iat":0}`),
    ];
    for (const raw of cases) expectAsSchema(raw);
  });

  it('agrees with the zod schema on random claims', () => {
    const values: unknown[] = [
      TID,
      UID,
      'x',
      '',
      0,
      -1,
      1.5,
      2 ** 53,
      null,
      true,
      [],
      {},
      { k: 'v' },
      { k: 2 },
    ];
    let seed = 3;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 5000; i++) {
      const raw: Record<string, unknown> = { ...VALID };
      for (let n = random(4); n > 0; n--) {
        const key = ['tid', 'uid', 'usn', 'vrs', 'exp', 'iat', 'other'][random(7)] as string;
        if (random(5) === 0) delete raw[key];
        else raw[key] = values[random(values.length)];
      }
      expectAsSchema(raw);
    }
  });
});
