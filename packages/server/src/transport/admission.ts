/**
 * Admission by address: how many connections one client address may hold, and how many may be
 * still unauthenticated (in the GameMaker handshake, or waiting for `authenticate`), per address and
 * in total. Counted from accept, before any handshake, so connections that never authenticate cannot
 * take the slots real players need.
 *
 * @packageDocumentation
 */
import { isIPv6 } from 'node:net';
import { TransportError } from './errors.ts';

/** Limits of one {@link AddressAdmission}; 0 means no limit. */
export interface AdmissionLimits {
  /** Connections one address may hold at once, whatever their phase. */
  readonly maxPerAddress: number;
  /** Of those, connections not yet authenticated. */
  readonly maxUnauthenticatedPerAddress: number;
  /** Unauthenticated connections at once, all addresses together. */
  readonly maxUnauthenticated: number;
}

/** Counts of one address. */
interface AddressCount {
  total: number;
  unauthenticated: number;
}

/**
 * The key an address is counted under: an IPv4 address as it is (also when written as an
 * IPv4-mapped IPv6 address, `::ffff:1.2.3.4`), an IPv6 address by its /64 prefix, because one host
 * (or one customer of a provider) is usually given a whole /64 and could otherwise rotate through it.
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::')
    ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => (Number.parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`;
}

/**
 * One admitted connection's place in the counts. Call {@link authenticated} when the connection
 * has authenticated and {@link release} when it has closed; both are idempotent.
 */
export class AdmissionTicket {
  /** The counting key of the connection's address ({@link addressKey}). */
  readonly key: string;
  readonly #owner: AddressAdmission;
  #state: 'unauthenticated' | 'authenticated' | 'released' = 'unauthenticated';

  /** @internal created by {@link AddressAdmission.admit} */
  constructor(owner: AddressAdmission, key: string) {
    this.#owner = owner;
    this.key = key;
  }

  /** True until {@link authenticated} or {@link release} is called. */
  get unauthenticated(): boolean {
    return this.#state === 'unauthenticated';
  }

  /** The connection authenticated: it no longer counts against the unauthenticated limits. */
  authenticated(): void {
    if (this.#state !== 'unauthenticated') return;
    this.#state = 'authenticated';
    this.#owner.settle(this.key, true);
  }

  /** The connection closed: its slot is free. */
  release(): void {
    if (this.#state === 'released') return;
    const wasUnauthenticated = this.#state === 'unauthenticated';
    this.#state = 'released';
    this.#owner.settle(this.key, wasUnauthenticated, true);
  }
}

/**
 * Per-address admission for a group of listeners that share limits (the GameMaker carriers, or
 * `/ws`). Memory is one small entry per address that holds a connection now; entries go away with
 * their last connection.
 */
export class AddressAdmission {
  readonly #limits: AdmissionLimits;
  readonly #byKey = new Map<string, AddressCount>();
  #unauthenticated = 0;

  constructor(limits: AdmissionLimits) {
    this.#limits = limits;
  }

  /** The limits in force. */
  get limits(): AdmissionLimits {
    return this.#limits;
  }

  /** Unauthenticated connections now, all addresses. */
  get unauthenticated(): number {
    return this.#unauthenticated;
  }

  /** Connections held now from `address` (all phases, counted under {@link addressKey}). */
  countOf(address: string): number {
    return this.#byKey.get(addressKey(address))?.total ?? 0;
  }

  /**
   * Admits one freshly accepted connection from `address`, unauthenticated, or refuses it with a
   * `TransportError`: `ADDRESS_LIMIT` (this address holds its share) or `UNAUTHENTICATED_LIMIT`
   * (too many connections are still authenticating), both close 1013 (try again later).
   */
  admit(address: string): AdmissionTicket | TransportError {
    const { maxPerAddress, maxUnauthenticatedPerAddress, maxUnauthenticated } = this.#limits;
    const key = addressKey(address);
    const count = this.#byKey.get(key) ?? { total: 0, unauthenticated: 0 };
    if (maxPerAddress > 0 && count.total >= maxPerAddress) {
      return new TransportError(
        'ADDRESS_LIMIT',
        `address ${key} already holds ${count.total} connections (limit ${maxPerAddress})`,
      );
    }
    if (maxUnauthenticatedPerAddress > 0 && count.unauthenticated >= maxUnauthenticatedPerAddress) {
      return new TransportError(
        'UNAUTHENTICATED_LIMIT',
        `address ${key} already has ${count.unauthenticated} connections authenticating (limit ${maxUnauthenticatedPerAddress})`,
      );
    }
    if (maxUnauthenticated > 0 && this.#unauthenticated >= maxUnauthenticated) {
      return new TransportError(
        'UNAUTHENTICATED_LIMIT',
        `${this.#unauthenticated} connections are authenticating (limit ${maxUnauthenticated})`,
      );
    }
    count.total++;
    count.unauthenticated++;
    this.#unauthenticated++;
    this.#byKey.set(key, count);
    return new AdmissionTicket(this, key);
  }

  /** @internal a ticket left the unauthenticated phase and/or was released */
  settle(key: string, leftUnauthenticated: boolean, released = false): void {
    const count = this.#byKey.get(key);
    if (!count) return;
    if (leftUnauthenticated) {
      count.unauthenticated--;
      this.#unauthenticated--;
    }
    if (released) count.total--;
    if (count.total <= 0) this.#byKey.delete(key);
  }
}
