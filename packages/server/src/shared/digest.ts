/**
 * One-shot digests of text. `crypto.hash` (Node 20.12 and later) is one call instead of a Hash object
 * and costs about half the CPU of `createHash` for short inputs; on older Node 20 releases (the
 * project supports 20.6 and later) the same digest comes from `createHash`.
 */
import * as crypto from 'node:crypto';

type OneShot = {
  (algorithm: string, data: string, encoding: 'hex' | 'base64url'): string;
  (algorithm: string, data: string, encoding: 'buffer'): Buffer;
};

const oneShot = (crypto as { hash?: OneShot }).hash;

/** The digest of `data` (UTF-8) with `algorithm`, as lower-case hex. */
export function digestHex(algorithm: string, data: string): string {
  return oneShot
    ? oneShot(algorithm, data, 'hex')
    : crypto.createHash(algorithm).update(data, 'utf8').digest('hex');
}

/**
 * The digest of `data` (UTF-8) with `algorithm`, as base64url without padding. Besides the CPU, the
 * one-shot form leaves nothing for the garbage collector to finalise: each `createHash` object is a
 * native object behind a weak handle, and a scavenge spends about 1.5 µs on each that died (measured
 * on leaderboard reads, which make two or three cursors each).
 */
export function digestBase64url(algorithm: string, data: string): string {
  return oneShot
    ? oneShot(algorithm, data, 'base64url')
    : crypto.createHash(algorithm).update(data, 'utf8').digest('base64url');
}

/** The digest of `data` (UTF-8) with `algorithm`, as bytes. */
export function digestBytes(algorithm: string, data: string): Buffer {
  return oneShot
    ? oneShot(algorithm, data, 'buffer')
    : crypto.createHash(algorithm).update(data, 'utf8').digest();
}
