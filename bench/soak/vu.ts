/**
 * One simulated player of the soak: logs in over HTTP (device authentication), connects (nakama-js
 * over `/ws`, or the GameMaker TCP carrier), joins its chat room and plays its role until it is
 * dropped, then does it all again:
 *
 * - `match`: a relayed match shared by a group of four (one of them on GameMaker TCP), match data at
 *   `matchHz`;
 * - `party`: an open party shared by a group of four, party data at `partyHz`;
 * - `mm`: the matchmaker in pairs, over and over: ticket, `matchmaker_matched`, join by token,
 *   three messages, leave.
 *
 * Everyone writes to its chat room every `chatEverySec` on average. The group's match or party is
 * made by whoever finds none (and made again if it ended because everyone had left).
 *
 * @packageDocumentation
 */
import { type Conn, gmConn, nakamaConn, RequestError } from './clients.ts';
import type { World } from './world.ts';

/** What a player does besides chat. */
export type Role = 'match' | 'party' | 'mm';

/** A match or party shared by a group of players. */
export interface Group {
  readonly key: string;
  id: string | undefined;
  creating: Promise<string> | null;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One simulated player. */
export class VirtualUser {
  readonly #w: World;
  readonly index: number;
  readonly role: Role;
  readonly carrier: 'ws' | 'gm-tcp';
  readonly room: string;
  readonly #group: Group | undefined;
  #conn: Conn | undefined;
  /** Bumped by every connection (so late callbacks of an old one are ignored). */
  #connection = 0;
  /** Stream epoch for the ledgers: bumped on every join. */
  #epoch = 0;
  #joined = '';
  #channel = '';
  #timers: NodeJS.Timeout[] = [];
  #matched: ((token: string) => void) | null = null;
  /** Connected and set up (room and role joined). */
  ready = false;
  /** Being dropped or reconnecting. */
  busy = false;

  constructor(w: World, index: number, role: Role, carrier: 'ws' | 'gm-tcp', room: string, group?: Group) {
    this.#w = w;
    this.index = index;
    this.role = role;
    this.carrier = carrier;
    this.room = room;
    this.#group = group;
  }

  /** Connects and sets up, retrying (after 1–3 s) until it works or the run is stopping. */
  async start(): Promise<void> {
    this.busy = true;
    while (!this.#w.stopping) {
      try {
        await this.#connect();
        this.busy = false;
        return;
      } catch (err) {
        this.#w.count.setupFailures++;
        this.#w.note(`vu ${this.index} (${this.carrier}) setup failed: ${(err as Error).message}`);
        this.#teardown();
        this.#conn?.drop('cut');
        await sleep(1000 + Math.random() * 2000);
      }
    }
    this.busy = false;
  }

  /** Churn: drops the connection (`close` or `cut`), waits 0.5–2.5 s and comes back. */
  async churn(how: 'close' | 'cut'): Promise<void> {
    if (!this.ready || this.busy) return;
    this.busy = true;
    this.#teardown();
    this.#conn?.drop(how);
    this.#w.count.drops[how]++;
    await sleep(500 + Math.random() * 2000);
    await this.start();
    if (this.ready) this.#w.count.reconnects++;
  }

  /** Stops sending (end of the run); stays connected. */
  quiesce(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers = [];
  }

  /** Closes the connection at the very end. */
  close(): void {
    this.quiesce();
    this.ready = false;
    this.#conn?.drop('close');
  }

  #teardown(): void {
    this.quiesce();
    this.ready = false;
    this.#matched = null;
    if (this.role === 'match') this.#w.matchLedger.leave(this.index);
    if (this.role === 'party') this.#w.partyLedger.leave(this.index);
    this.#joined = '';
  }

  async #connect(): Promise<void> {
    const w = this.#w;
    const connection = ++this.#connection;
    const t0 = performance.now();
    const session = await w.client.authenticateDevice(`soak-${w.runId}-${this.index}`, true);
    w.hist.auth.record((performance.now() - t0) * 1000);
    w.count.auths++;
    const events = {
      matchData: (id: string, data: string) =>
        connection === this.#connection && this.#onData('match', id, data),
      partyData: (id: string, data: string) =>
        connection === this.#connection && this.#onData('party', id, data),
      matched: (token: string) => connection === this.#connection && this.#matched?.(token),
      closed: (expected: boolean) => {
        if (connection !== this.#connection) return;
        if (!expected && !w.stopping) {
          w.count.unexpectedCloses++;
          w.note(`vu ${this.index} (${this.carrier}) closed by the server`);
          this.#teardown();
          if (!this.busy) void this.start();
        }
      },
    };
    this.#conn =
      this.carrier === 'ws'
        ? await nakamaConn(w.client, session, events)
        : await gmConn(w.gmPort, session.token, events);
    const conn = this.#conn;
    this.#channel = await conn.joinChat(this.room);
    if (this.role === 'match' || this.role === 'party') {
      const id = await this.#joinGroup(conn);
      this.#joined = id;
      const ledger = this.role === 'match' ? w.matchLedger : w.partyLedger;
      ledger.join(this.index, ++this.#epoch, id, performance.now());
      const hz = this.role === 'match' ? w.opts.matchHz : w.opts.partyHz;
      this.#every(1000 / hz, () => this.#sendData(conn));
    }
    this.#chatLoop(conn, connection);
    if (this.role === 'mm') void this.#matchmakerLoop(conn, connection);
    this.ready = true;
  }

  /** Joins the group's match or party, making one if there is none (or it has ended). */
  async #joinGroup(conn: Conn): Promise<string> {
    const g = this.#group!;
    for (let attempt = 0; attempt < 6; attempt++) {
      const id = g.id;
      if (id !== undefined) {
        try {
          if (this.role === 'match') await conn.joinMatch(id);
          else await conn.joinParty(id);
          return id;
        } catch (err) {
          if (!(err instanceof RequestError) || err.code < 0) throw err;
          // Ended (everyone had left): make a new one.
          if (g.id === id) g.id = undefined;
          this.#w.count.regroups++;
          continue;
        }
      }
      if (g.creating) {
        await g.creating.catch(() => {});
        continue;
      }
      const mine = (this.role === 'match' ? conn.createMatch() : conn.createParty(8)).then((made) => {
        g.id = made;
        return made;
      });
      g.creating = mine;
      try {
        return await mine;
      } finally {
        if (g.creating === mine) g.creating = null;
      }
    }
    throw new Error(`could not join ${g.key}`);
  }

  #every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    this.#timers.push(t);
  }

  #sendData(conn: Conn): void {
    const w = this.#w;
    const ledger = this.role === 'match' ? w.matchLedger : w.partyLedger;
    const seq = ledger.sent(this.index, performance.now());
    const data = `${this.index}|${this.#epoch}|${seq}|${performance.now().toFixed(3)}`;
    try {
      if (this.role === 'match') conn.sendMatch(this.#joined, data);
      else conn.sendParty(this.#joined, data);
    } catch {
      // The connection has gone: nothing later in this epoch will be sent.
      ledger.leave(this.index);
      this.quiesce();
    }
  }

  #onData(kind: 'match' | 'party', id: string, data: string): void {
    const w = this.#w;
    const [sender, epoch, seq, stamp] = data.split('|').map(Number) as [number, number, number, number];
    if (kind === 'match' && this.role === 'mm') {
      w.count.mmDelivered++;
      return;
    }
    if (id !== this.#joined) return;
    w.hist.delivery.record((performance.now() - stamp) * 1000);
    const ledger = kind === 'match' ? w.matchLedger : w.partyLedger;
    ledger.received(this.index, this.#epoch, sender, seq, epoch);
  }

  /** Writes a chat message every `chatEverySec` on average while this connection lasts. */
  #chatLoop(conn: Conn, connection: number): void {
    const w = this.#w;
    const next = () => {
      const t = setTimeout(
        async () => {
          const t0 = performance.now();
          try {
            const ack = await conn.writeChat(this.#channel, { vu: this.index, at: Date.now() });
            w.hist.request.record((performance.now() - t0) * 1000);
            if (ack.persistent) w.chatLedger.acked(this.#channel, ack.messageId);
            else w.count.nonPersistentAcks++;
          } catch (err) {
            this.#failed('chat', err, connection);
          }
          if (connection === this.#connection && this.ready && !w.stopping) next();
        },
        w.opts.chatEverySec * 1000 * (0.5 + Math.random()),
      );
      this.#timers.push(t);
    };
    next();
  }

  /** Pairs up through the matchmaker, plays a few messages, leaves, again. */
  async #matchmakerLoop(conn: Conn, connection: number): Promise<void> {
    const w = this.#w;
    const live = () => connection === this.#connection && this.ready && !w.stopping;
    await sleep(0);
    while (live()) {
      try {
        const t0 = performance.now();
        const matched = new Promise<string | null>((resolve) => {
          this.#matched = resolve;
          setTimeout(() => resolve(null), 30_000).unref();
        });
        const ticket = await conn.addMatchmaker('+properties.mode:soak', { mode: 'soak' });
        w.count.mmTickets++;
        const token = await matched;
        this.#matched = null;
        if (!live()) return;
        if (token === null) {
          w.count.mmTimeouts++;
          await conn.removeMatchmaker(ticket).catch(() => {});
          continue;
        }
        w.count.mmMatched++;
        w.hist.matchmaker.record((performance.now() - t0) * 1000);
        const matchId = await conn.joinMatchByToken(token);
        w.count.mmJoined++;
        for (let k = 0; k < 3 && live(); k++) {
          conn.sendMatch(matchId, `${this.index}|0|0|${performance.now().toFixed(3)}`);
          await sleep(300);
        }
        await sleep(700);
        if (!live()) return;
        await conn.leaveMatch(matchId);
        await sleep(500 + Math.random() * 1500);
      } catch (err) {
        this.#failed('matchmaker', err, connection);
        await sleep(1000);
      }
    }
  }

  /** Counts a failed request, unless the connection was going away (churn, end of run). */
  #failed(what: string, err: unknown, connection: number): void {
    const w = this.#w;
    if (connection !== this.#connection || !this.ready || w.stopping) return;
    const e = err instanceof RequestError ? err : new RequestError(-1, String(err));
    if (e.code === -2) return;
    if (e.code === -1) w.count.timeouts++;
    else w.count.errors++;
    w.note(`vu ${this.index} (${this.carrier}) ${what}: ${e.code} ${e.message}`);
  }
}
