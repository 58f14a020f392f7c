import { describe, expect, it } from 'vitest';
import { addressKey } from '../shared/client-address.ts';
import { AddressAdmission, AdmissionTicket } from './admission.ts';
import { TransportError } from './errors.ts';

describe('addressKey', () => {
  it('counts IPv4 as is (also IPv4-mapped IPv6) and IPv6 by its /64', () => {
    expect(addressKey('127.0.0.1')).toBe('127.0.0.1');
    expect(addressKey('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
  });
});

describe('AddressAdmission', () => {
  it('refuses an address over its share, and over its unauthenticated share, with 1013 errors', () => {
    const admission = new AddressAdmission({
      maxPerAddress: 3,
      maxUnauthenticatedPerAddress: 2,
      maxUnauthenticated: 0,
    });
    const a = admission.admit('10.0.0.1') as AdmissionTicket;
    const b = admission.admit('10.0.0.1') as AdmissionTicket;
    const third = admission.admit('10.0.0.1');
    expect(third).toBeInstanceOf(TransportError);
    expect(third).toMatchObject({ code: 'UNAUTHENTICATED_LIMIT', closeCode: 1013 });
    // Another address is not affected.
    expect(admission.admit('10.0.0.2')).toBeInstanceOf(AdmissionTicket);
    a.authenticated();
    const c = admission.admit('10.0.0.1') as AdmissionTicket;
    expect(c).toBeInstanceOf(AdmissionTicket);
    expect(admission.admit('10.0.0.1')).toMatchObject({
      code: 'ADDRESS_LIMIT',
      closeCode: 1013,
      reason: 'too many connections from this address',
    });
    b.release();
    expect(admission.countOf('10.0.0.1')).toBe(2);
    expect(admission.unauthenticated).toBe(2); // c and 10.0.0.2
  });

  it('caps unauthenticated connections of all addresses, and frees every count on release', () => {
    const admission = new AddressAdmission({
      maxPerAddress: 0,
      maxUnauthenticatedPerAddress: 0,
      maxUnauthenticated: 2,
    });
    const tickets = [admission.admit('10.0.0.1'), admission.admit('10.0.0.2')] as AdmissionTicket[];
    expect(admission.admit('10.0.0.3')).toMatchObject({ code: 'UNAUTHENTICATED_LIMIT' });
    tickets[0]!.authenticated();
    tickets[0]!.authenticated(); // idempotent
    expect(admission.admit('10.0.0.3')).toBeInstanceOf(AdmissionTicket);
    for (const t of tickets) {
      t.release();
      t.release();
    }
    expect(admission.countOf('10.0.0.1')).toBe(0);
    expect(admission.unauthenticated).toBe(1);
  });

  it('evicts the oldest of the address holding the most unauthenticated slots, never an equal share', () => {
    const admission = new AddressAdmission({
      maxPerAddress: 0,
      maxUnauthenticatedPerAddress: 0,
      maxUnauthenticated: 4,
    });
    const evicted: string[] = [];
    const take = (address: string, name: string) => {
      const ticket = admission.admit(address);
      if (ticket instanceof AdmissionTicket) ticket.onEvict((e) => evicted.push(`${name}: ${e.code}`));
      return ticket;
    };
    // An attacker holds every slot from one address.
    for (let i = 1; i <= 4; i++) take('10.9.9.9', `attacker-${i}`);
    // A real player gets in: the attacker's oldest goes.
    expect(take('10.0.0.1', 'player-1')).toBeInstanceOf(AdmissionTicket);
    expect(evicted).toEqual(['attacker-1: UNAUTHENTICATED_LIMIT']);
    expect(admission.unauthenticated).toBe(4);
    // The attacker again: its own address holds the most, so it is refused, not the player evicted.
    expect(take('10.9.9.9', 'attacker-5')).toMatchObject({ code: 'UNAUTHENTICATED_LIMIT' });
    // Two more players: 3 → 2 attacker slots left, then equal shares (2 vs 1+1): refused.
    expect(take('10.0.0.2', 'player-2')).toBeInstanceOf(AdmissionTicket);
    expect(take('10.0.0.3', 'player-3')).toBeInstanceOf(AdmissionTicket);
    expect(take('10.0.0.4', 'player-4')).toMatchObject({ code: 'UNAUTHENTICATED_LIMIT' });
    expect(evicted).toEqual([
      'attacker-1: UNAUTHENTICATED_LIMIT',
      'attacker-2: UNAUTHENTICATED_LIMIT',
      'attacker-3: UNAUTHENTICATED_LIMIT',
    ]);
    expect(admission.countOf('10.9.9.9')).toBe(1);
  });
});
