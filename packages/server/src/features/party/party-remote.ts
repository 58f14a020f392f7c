/**
 * Parties of other nodes: a party lives on the node that created it (its id says which,
 * `<uuid>.<node>`), and its members anywhere in the cluster run its operations there.
 *
 * @packageDocumentation
 */
import type { Party, PartyJoinRequest, PartyLeader, UserPresence } from '@tether/protocol';
import { z } from 'zod';
import type { Peers } from '../../cluster/peers.ts';
import type { MessageRouter } from '../../presence/message-router.ts';
import { type StreamKey, StreamMode, stream } from '../../presence/stream.ts';
import type { Tracker } from '../../presence/tracker.ts';
import type { PresenceOwner } from '../../presence/types.ts';
import { DomainError, ErrorKind } from '../../shared/domain-error.ts';
import { type PartyCaller, type PartyLeaderView, PartyOp, type PartyService } from './party-service.ts';
import { parsePartyId, partyStream } from './party-state.ts';

const METHOD = 'party.op';

const sid = z.string().min(1).max(64);
const Presence = z.object({
  user_id: sid,
  session_id: sid,
  username: z.string().max(256),
  persistence: z.boolean().optional(),
  status: z.string().optional(),
});
const Update = z.object({ label: z.string().max(4096), open: z.boolean(), hidden: z.boolean() });
const Data = z.object({ opCode: z.number().int().min(0), data: z.string() });
const OpName = z.enum([
  'join',
  'leave',
  'promote',
  'accept',
  'remove',
  'close',
  'joinRequests',
  'sendData',
  'update',
  'leaderView',
]);
const Request = z.object({
  op: OpName,
  caller: z.object({ id: sid, userId: sid, username: z.string().max(256) }),
  partyId: z.string().min(1).max(256),
  args: z.unknown(),
});
const JoinResult = z
  .object({
    party: z.record(z.string(), z.unknown()),
    stream: z.object({ mode: z.number(), subject: z.string(), subcontext: z.string(), label: z.string() }),
  })
  .optional();
const ViewOp = z.enum(Object.values(PartyOp) as [PartyOp, ...PartyOp[]]);

/** Parses an operation's arguments; bad ones are the caller's error, not the node's. */
function parse<T>(schema: z.ZodType<T>, args: unknown): T {
  const parsed = schema.safeParse(args);
  if (!parsed.success) throw new DomainError(ErrorKind.INVALID_ARGUMENT, 'Invalid party operation');
  return parsed.data;
}

/** Runs one operation on the party's own service (the same code for local and remote callers). */
function run(
  service: PartyService,
  op: z.infer<typeof OpName>,
  caller: PartyCaller,
  partyId: string,
  args: unknown,
): unknown {
  switch (op) {
    case 'join':
      return service.join(caller, partyId);
    case 'leave':
      return service.leave(caller, partyId);
    case 'promote':
      return service.promote(caller, partyId, parse(Presence, args));
    case 'accept':
      return service.accept(caller, partyId, parse(Presence, args));
    case 'remove':
      return service.remove(caller, partyId, parse(Presence, args));
    case 'close':
      return service.close(caller, partyId);
    case 'joinRequests':
      return service.joinRequests(caller, partyId);
    case 'sendData': {
      const d = parse(Data, args);
      return service.sendData(caller, partyId, d.opCode, d.data);
    }
    case 'update':
      return service.update(caller, partyId, parse(Update, args));
    case 'leaderView':
      return service.leaderView(caller, partyId, parse(ViewOp, args));
  }
}

/** A value or its promise, passed on to `f` without waiting when it is already there. */
export function andThen<T, R>(value: T | Promise<T>, f: (v: T) => R): R | Promise<R> {
  return value instanceof Promise ? value.then(f) : f(value);
}

/**
 * The party operations as socket handlers use them, routed to the party's node: this node's service
 * for its own parties (synchronously, as on a single node), a call to the owner for another live
 * node's (a promise). Unknown nodes fall through to this node's service, which answers "party not
 * found". A join of a party elsewhere is tracked by this node when the owner's answer arrives, as the
 * last step before the reply. When a node leaves the cluster, this node's members of its parties get
 * `party_close` and leave its streams.
 */
export class RoutedParties {
  readonly #service: PartyService;
  readonly #peers: Peers;
  readonly #tracker: Tracker;

  constructor(deps: {
    service: PartyService;
    peers: Peers;
    tracker: Tracker;
    router: MessageRouter;
    /** This node's sessions, to close a departed node's parties for them. */
    sessions: { all(): Iterable<{ readonly id: string }> };
  }) {
    this.#service = deps.service;
    this.#peers = deps.peers;
    this.#tracker = deps.tracker;
    deps.peers.handle(METHOD, Request, (body, from) =>
      run(deps.service, body.op, { ...body.caller, node: from }, body.partyId, body.args),
    );
    deps.peers.onNodeDown((node) => this.#closePartiesOf(node, deps.sessions.all(), deps.router));
  }

  /** The service, for this node's own use (create, the matchmaker's listeners). */
  get service(): PartyService {
    return this.#service;
  }

  join(
    session: PresenceOwner & { readonly closed?: boolean },
    partyId: string,
  ): { party: Party } | undefined | Promise<{ party: Party } | undefined> {
    const node = this.#remoteNode(partyId);
    if (node === undefined) return this.#service.join(session, partyId);
    return this.#call(node, 'join', session, partyId, null).then((raw) => {
      const joined = JoinResult.parse(raw);
      // Tracked here, as the last step before the reply (the handler replies in the next microtask).
      if (joined && !session.closed)
        this.#tracker.track(session, joined.stream, { username: session.username });
      return joined && { party: joined.party as unknown as Party };
    });
  }

  leave(session: PresenceOwner, partyId: string): void | Promise<void> {
    const node = this.#remoteNode(partyId);
    if (node === undefined) {
      this.#service.leave(session, partyId);
      const parsed = parsePartyId(partyId);
      // A party of a node that has gone: leave its stream all the same.
      if (parsed && !this.#peers.isLive(parsed.node))
        this.#tracker.untrack(session.id, partyStream(parsed.uuid, parsed.node));
      return;
    }
    return this.#call(node, 'leave', session, partyId, null).then(() => undefined);
  }

  promote(
    session: PresenceOwner,
    partyId: string,
    presence: UserPresence,
  ): PartyLeader | Promise<PartyLeader> {
    return this.#op(session, partyId, 'promote', presence) as PartyLeader | Promise<PartyLeader>;
  }

  accept(session: PresenceOwner, partyId: string, presence: UserPresence): void | Promise<void> {
    return this.#op(session, partyId, 'accept', presence) as void | Promise<void>;
  }

  remove(session: PresenceOwner, partyId: string, presence: UserPresence): void | Promise<void> {
    return this.#op(session, partyId, 'remove', presence) as void | Promise<void>;
  }

  close(session: PresenceOwner, partyId: string): void | Promise<void> {
    return this.#op(session, partyId, 'close', null) as void | Promise<void>;
  }

  joinRequests(session: PresenceOwner, partyId: string): PartyJoinRequest | Promise<PartyJoinRequest> {
    return this.#op(session, partyId, 'joinRequests', null) as PartyJoinRequest | Promise<PartyJoinRequest>;
  }

  sendData(session: PresenceOwner, partyId: string, opCode: number, data: string): void | Promise<void> {
    return this.#op(session, partyId, 'sendData', { opCode, data }) as void | Promise<void>;
  }

  update(session: PresenceOwner, partyId: string, change: z.infer<typeof Update>): void | Promise<void> {
    return this.#op(session, partyId, 'update', change) as void | Promise<void>;
  }

  leaderView(
    session: PresenceOwner,
    partyId: string,
    op: PartyOp,
  ): PartyLeaderView | Promise<PartyLeaderView> {
    return this.#op(session, partyId, 'leaderView', op) as PartyLeaderView | Promise<PartyLeaderView>;
  }

  /** The node of a party of another live node; undefined when the party is (or would be) this node's. */
  #remoteNode(partyId: string): string | undefined {
    const node = parsePartyId(partyId)?.node;
    return node !== undefined && node !== this.#peers.node && this.#peers.isLive(node) ? node : undefined;
  }

  #op(session: PresenceOwner, partyId: string, op: z.infer<typeof OpName>, args: unknown): unknown {
    const node = this.#remoteNode(partyId);
    return node === undefined
      ? run(this.#service, op, session, partyId, args)
      : this.#call(node, op, session, partyId, args);
  }

  async #call(
    node: string,
    op: z.infer<typeof OpName>,
    session: PresenceOwner,
    partyId: string,
    args: unknown,
  ): Promise<unknown> {
    const caller = { id: session.id, userId: session.userId, username: session.username };
    try {
      return await this.#peers.call(node, METHOD, { op, caller, partyId, args });
    } catch (err) {
      if (err instanceof DomainError && err.kind === ErrorKind.UNAVAILABLE) {
        throw new DomainError(ErrorKind.INVALID_ARGUMENT, `${opPrefix(op)}: party not found`);
      }
      throw err;
    }
  }

  #closePartiesOf(node: string, sessions: Iterable<{ readonly id: string }>, router: MessageRouter): void {
    const closing = new Map<string, StreamKey>();
    for (const session of sessions) {
      for (const s of this.#tracker.streamsOf(session.id)) {
        if (s.mode === StreamMode.PARTY && s.label === node) closing.set(s.subject, s);
      }
    }
    for (const [uuid, key] of closing) {
      const local = this.#tracker.list(key, true).filter((p) => p.node === this.#tracker.node);
      router.sendToPresences(local, { party_close: { party_id: `${uuid}.${node}` } });
      for (const p of local)
        this.#tracker.untrack(p.sessionId, stream(key.mode, key.subject, key.subcontext, key.label));
    }
  }
}

function opPrefix(op: z.infer<typeof OpName>): string {
  const prefixes: Record<z.infer<typeof OpName>, string> = {
    join: PartyOp.JOIN,
    leave: PartyOp.JOIN,
    promote: PartyOp.PROMOTE,
    accept: PartyOp.ACCEPT,
    remove: PartyOp.REMOVE,
    close: PartyOp.CLOSE,
    joinRequests: PartyOp.LIST,
    sendData: PartyOp.DATA,
    update: PartyOp.UPDATE,
    leaderView: PartyOp.MATCHMAKER_ADD,
  };
  return prefixes[op];
}
