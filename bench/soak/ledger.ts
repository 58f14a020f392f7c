/**
 * Loss accounting for the soak, decided from ordering alone (no timing):
 *
 * - {@link StreamLedger} (match data, party data). Every send gets the sender's next sequence number
 *   and is tagged with the sender's *stream epoch* (one per join: a new connection or a new match is
 *   a new epoch). One connection delivers in order and the server relays one sender's messages in
 *   order, so when receiver B gets sender A's message `s`, every earlier message of A **in the same
 *   epoch** (the same connection and match, so it reached the server before `s` did) sent **after B's
 *   join was answered** (so the server had B in the match when it handled it) must already have
 *   arrived; each one missing is lost. After the traffic stops and drains, the same holds up to each
 *   live sender's last message for every live receiver. Messages a connection had in flight when it
 *   was dropped are not owed (nothing later in that epoch arrives to vouch for them).
 * - {@link ChatLedger}: every chat message the server acknowledged as persistent must be in its
 *   channel's history at the end.
 *
 * @packageDocumentation
 */

/** One sender's sends on one kind of stream, as growable typed arrays indexed by sequence number. */
class SenderLog {
  epochOf = new Int32Array(1024);
  sentAt = new Float64Array(1024);
  next = 0;
  /** Current epoch and the group (match or party id) it is in; epoch -1 when not joined. */
  epoch = -1;
  group = '';

  record(at: number): number {
    if (this.next === this.epochOf.length) {
      const e = new Int32Array(this.next * 2);
      e.set(this.epochOf);
      this.epochOf = e;
      const s = new Float64Array(this.next * 2);
      s.set(this.sentAt);
      this.sentAt = s;
    }
    this.epochOf[this.next] = this.epoch;
    this.sentAt[this.next] = at;
    return this.next++;
  }
}

/** A receiver's view since its current join. */
interface ReceiverState {
  epoch: number;
  group: string;
  joinedAt: number;
  /** Last sequence number received from each sender in this epoch. */
  readonly last: Map<number, number>;
}

/** Totals of a {@link StreamLedger}. */
export interface StreamTotals {
  readonly sent: number;
  readonly delivered: number;
  /** Messages owed to a receiver that never arrived. */
  readonly lost: number;
  /** Messages that arrived twice or out of order. */
  readonly duplicates: number;
  /** A few lost messages, for the report: `sender→receiver #seq`. */
  readonly examples: readonly string[];
}

/** Loss accounting for one kind of ordered stream (match data or party data). */
export class StreamLedger {
  readonly #senders = new Map<number, SenderLog>();
  readonly #receivers = new Map<number, ReceiverState>();
  #sent = 0;
  #delivered = 0;
  #lost = 0;
  #duplicates = 0;
  readonly #examples: string[] = [];

  #sender(vu: number): SenderLog {
    let s = this.#senders.get(vu);
    if (!s) {
      s = new SenderLog();
      this.#senders.set(vu, s);
    }
    return s;
  }

  /** `vu` joined `group` at `at` (its join reply arrived) in a new `epoch`. */
  join(vu: number, epoch: number, group: string, at: number): void {
    const s = this.#sender(vu);
    s.epoch = epoch;
    s.group = group;
    this.#receivers.set(vu, { epoch, group, joinedAt: at, last: new Map() });
  }

  /** `vu` left its group or lost its connection: nothing more is owed to it, nor by it. */
  leave(vu: number): void {
    this.#receivers.delete(vu);
    const s = this.#senders.get(vu);
    if (s) {
      s.epoch = -1;
      s.group = '';
    }
  }

  /** Records a send by `vu` in its current epoch; returns the sequence number to put in the message. */
  sent(vu: number, at: number): number {
    this.#sent++;
    return this.#sender(vu).record(at);
  }

  /** `receiver`, in `epoch`, got message `seq` of `sender` sent in `senderEpoch`. */
  received(receiver: number, epoch: number, sender: number, seq: number, senderEpoch: number): void {
    const r = this.#receivers.get(receiver);
    if (!r || r.epoch !== epoch) return;
    const last = r.last.get(sender);
    if (last !== undefined && seq <= last) {
      this.#duplicates++;
      return;
    }
    this.#delivered++;
    this.#owed(receiver, r, sender, last ?? -1, seq, senderEpoch);
    r.last.set(sender, seq);
  }

  /**
   * After the traffic has stopped and drained: every live receiver is owed every message of each
   * live sender in its group, in the sender's current epoch, up to its last.
   */
  finish(): void {
    for (const [receiver, r] of this.#receivers) {
      for (const [vu, s] of this.#senders) {
        if (vu === receiver || s.epoch < 0 || s.group !== r.group || s.next === 0) continue;
        const last = r.last.get(vu) ?? -1;
        if (s.next - 1 > last) this.#owed(receiver, r, vu, last, s.next, s.epoch);
        r.last.set(vu, s.next - 1);
      }
    }
  }

  /** Counts as lost each of `sender`'s messages in (after, before) of `epoch` sent after `r`'s join. */
  #owed(
    receiver: number,
    r: ReceiverState,
    sender: number,
    after: number,
    before: number,
    epoch: number,
  ): void {
    const s = this.#senders.get(sender);
    if (!s) return;
    for (let q = before - 1; q > after; q--) {
      // Sends are recorded in time order with non-decreasing epochs: stop at the first older one.
      if (s.epochOf[q] !== epoch || (s.sentAt[q] as number) <= r.joinedAt) break;
      this.#lost++;
      if (this.#examples.length < 5) this.#examples.push(`${sender}→${receiver} #${q}`);
    }
  }

  /** The totals so far. */
  totals(): StreamTotals {
    return {
      sent: this.#sent,
      delivered: this.#delivered,
      lost: this.#lost,
      duplicates: this.#duplicates,
      examples: [...this.#examples],
    };
  }
}

/** Totals of a {@link ChatLedger} check. */
export interface ChatTotals {
  /** Messages acknowledged as persistent. */
  readonly acked: number;
  /** Acknowledged messages found in their channel's history. */
  readonly found: number;
  /** Acknowledged messages missing from it. */
  readonly missing: number;
  /** Messages in the histories read (all senders). */
  readonly historyMessages: number;
  readonly examples: readonly string[];
}

/** The chat messages the server acknowledged, by channel. */
export class ChatLedger {
  readonly #acked = new Map<string, Set<string>>();
  #count = 0;

  /** Records an acknowledgement of a persistent message. */
  acked(channelId: string, messageId: string): void {
    let set = this.#acked.get(channelId);
    if (!set) {
      set = new Set();
      this.#acked.set(channelId, set);
    }
    set.add(messageId);
    this.#count++;
  }

  /** Acknowledged messages so far. */
  get count(): number {
    return this.#count;
  }

  /** Channels that got at least one acknowledged message. */
  channels(): string[] {
    return [...this.#acked.keys()];
  }

  /** Compares the acknowledgements with each channel's history (message ids). */
  check(histories: ReadonlyMap<string, ReadonlySet<string>>): ChatTotals {
    let found = 0;
    let missing = 0;
    let historyMessages = 0;
    const examples: string[] = [];
    for (const h of histories.values()) historyMessages += h.size;
    for (const [channel, ids] of this.#acked) {
      const history = histories.get(channel) ?? new Set<string>();
      for (const id of ids) {
        if (history.has(id)) found++;
        else {
          missing++;
          if (examples.length < 5) examples.push(`${channel} ${id}`);
        }
      }
    }
    return { acked: this.#count, found, missing, historyMessages, examples };
  }
}
