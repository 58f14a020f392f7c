/**
 * Admission by address: how many connections one client address may hold, and how many may be
 * still unauthenticated (in the GameMaker handshake, or waiting for `authenticate`), per address and
 * in total. Counted from accept, before any handshake, so connections that never authenticate cannot
 * take the slots real players need.
 *
 * @packageDocumentation
 */
import { addressKey } from '../shared/client-address.ts';
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
  /** Its unauthenticated connections, oldest first. */
  readonly pending: AdmissionTicket[];
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
  #evict: ((error: TransportError) => void) | undefined;

  /** @internal created by {@link AddressAdmission.admit} */
  constructor(owner: AddressAdmission, key: string) {
    this.#owner = owner;
    this.key = key;
  }

  /** True until {@link authenticated} or {@link release} is called. */
  get unauthenticated(): boolean {
    return this.#state === 'unauthenticated';
  }

  /**
   * Sets how to close the connection when it is evicted to make room for a newcomer (see
   * {@link AddressAdmission.admit}); its slot is already free when this is called.
   */
  onEvict(evict: (error: TransportError) => void): void {
    this.#evict = evict;
  }

  /** The connection authenticated: it no longer counts against the unauthenticated limits. */
  authenticated(): void {
    if (this.#state !== 'unauthenticated') return;
    this.#state = 'authenticated';
    this.#owner.settle(this, true, false);
  }

  /** The connection closed: its slot is free. */
  release(): void {
    if (this.#state === 'released') return;
    const wasUnauthenticated = this.#state === 'unauthenticated';
    this.#state = 'released';
    this.#owner.settle(this, wasUnauthenticated, true);
  }

  /** @internal frees the slot, then closes the connection */
  evict(error: TransportError): void {
    this.release();
    this.#evict?.(error);
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
   *
   * When every unauthenticated slot is taken, the newcomer is not simply refused: the oldest
   * unauthenticated connection of the address holding the most of them is evicted (closed 1013) to
   * make room, provided that address would still hold more than the newcomer's. Whoever fills the
   * slots from a few addresses thereby evicts its own connections, never a real player's, and must
   * spread over as many addresses as there are slots to lock anyone out.
   */
  admit(address: string): AdmissionTicket | TransportError {
    const { maxPerAddress, maxUnauthenticatedPerAddress, maxUnauthenticated } = this.#limits;
    const key = addressKey(address);
    const count = this.#byKey.get(key) ?? { total: 0, pending: [] };
    if (maxPerAddress > 0 && count.total >= maxPerAddress) {
      return new TransportError(
        'ADDRESS_LIMIT',
        `address ${key} already holds ${count.total} connections (limit ${maxPerAddress})`,
      );
    }
    if (maxUnauthenticatedPerAddress > 0 && count.pending.length >= maxUnauthenticatedPerAddress) {
      return new TransportError(
        'UNAUTHENTICATED_LIMIT',
        `address ${key} already has ${count.pending.length} connections authenticating (limit ${maxUnauthenticatedPerAddress})`,
      );
    }
    if (maxUnauthenticated > 0 && this.#unauthenticated >= maxUnauthenticated) {
      const victim = this.#heaviest();
      if (!victim || victim.pending.length <= count.pending.length + 1) {
        return new TransportError(
          'UNAUTHENTICATED_LIMIT',
          `${this.#unauthenticated} connections are authenticating (limit ${maxUnauthenticated})`,
        );
      }
      victim.pending[0]!.evict(
        new TransportError(
          'UNAUTHENTICATED_LIMIT',
          `evicted: every unauthenticated slot (${maxUnauthenticated}) is taken and this address holds the most`,
        ),
      );
    }
    const ticket = new AdmissionTicket(this, key);
    count.total++;
    count.pending.push(ticket);
    this.#unauthenticated++;
    this.#byKey.set(key, count);
    return ticket;
  }

  /**
   * Admits a connection from `address` whatever the limits, because it replaces one of the same
   * address that its caller is about to close (a session resume taking over a connection the server
   * still thinks alive): the address holds one over its share only until that one has closed.
   */
  admitReplacing(address: string): AdmissionTicket {
    const key = addressKey(address);
    const count = this.#byKey.get(key) ?? { total: 0, pending: [] };
    const ticket = new AdmissionTicket(this, key);
    count.total++;
    count.pending.push(ticket);
    this.#unauthenticated++;
    this.#byKey.set(key, count);
    return ticket;
  }

  /** The address with the most unauthenticated connections (the first one met on a tie). */
  #heaviest(): AddressCount | undefined {
    let best: AddressCount | undefined;
    for (const count of this.#byKey.values()) {
      if (!best || count.pending.length > best.pending.length) best = count;
    }
    return best;
  }

  /** @internal a ticket left the unauthenticated phase and/or was released */
  settle(ticket: AdmissionTicket, leftUnauthenticated: boolean, released: boolean): void {
    const count = this.#byKey.get(ticket.key);
    if (!count) return;
    if (leftUnauthenticated) {
      const i = count.pending.indexOf(ticket);
      if (i >= 0) count.pending.splice(i, 1);
      this.#unauthenticated--;
    }
    if (released) count.total--;
    if (count.total <= 0) this.#byKey.delete(ticket.key);
  }
}
