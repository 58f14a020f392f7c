import { describe, expect, it } from 'vitest';
import { formatMatchId, namedMatchId, newRelayedMatchId, parseMatchId, uuidV5 } from './match-id.ts';

describe('match ids', () => {
  it('derive named relayed matches with uuid v5 over the DNS namespace (RFC 4122 vector)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
    expect(namedMatchId('www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2.');
    expect(namedMatchId('lobby')).toBe(namedMatchId('lobby'));
    expect(namedMatchId('lobby')).not.toBe(namedMatchId('Lobby'));
  });

  it('parse "<uuid>.<node>" and normalise the uuid to lower case', () => {
    const id = newRelayedMatchId();
    expect(parseMatchId(id)).toEqual({ uuid: id.slice(0, 36), node: '' });
    expect(parseMatchId('2ED6657D-E927-568B-95E1-2665A8AEA6A2.tether')).toEqual({
      uuid: '2ed6657d-e927-568b-95e1-2665a8aea6a2',
      node: 'tether',
    });
    expect(formatMatchId('2ed6657d-e927-568b-95e1-2665a8aea6a2', 'n1')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2.n1',
    );
  });

  it('reject anything else', () => {
    for (const bad of [
      '',
      'abc',
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
      '2ed6657d-e927-568b-95e1-2665a8aea6a2.a.b',
      '2ed6657de927568b95e12665a8aea6a2.',
      'zzd6657d-e927-568b-95e1-2665a8aea6a2.',
    ]) {
      expect(parseMatchId(bad), bad).toBeNull();
    }
  });
});
