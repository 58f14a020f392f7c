/**
 * Tag: the game rules of the example, as a Tether match handler. Players move on a 20 × 20 board;
 * whoever is "it" tags a player by coming within one unit, and the tagged player becomes "it".
 *
 * The server owns the simulation: clients only send inputs (op 1, `{"dx":-1..1,"dy":-1..1}`), and the
 * loop broadcasts the whole state (op 2) every tick. The file name starts with `_`, so the runtime
 * loader skips it: it is a helper imported by `arena.ts`, not a module of its own.
 */
import type { MatchDispatcher, MatchHandler, MatchMessage, MatchPresence } from '@tether/server';

/** Op codes of the game protocol. */
export const OpCode = {
  /** client → server: `{"dx": number, "dy": number}`, each from -1 to 1. */
  INPUT: 1,
  /** server → client: the state after a tick, see {@link StateMessage}. */
  STATE: 2,
  /** server → client: the server is shutting down, `{"graceSeconds": n}`. */
  SHUTDOWN: 3,
} as const;

/** Side of the square board. */
export const BOARD = 20;
/** Units per tick at full input. */
export const SPEED = 1;
/** Ticks a freshly tagged player is immune, so tags do not bounce back at once. */
export const TAG_COOLDOWN_TICKS = 10;

/** Match parameters (`nk.matchCreate('tag', params)`). */
export interface TagParams {
  /** Most players; more are refused (default 4). */
  maxPlayers?: number;
  /** Ticks the match may stay empty before it ends (default 50, 5 s at 10 Hz). */
  emptyTicksToEnd?: number;
}

interface Player {
  presence: MatchPresence;
  x: number;
  y: number;
  dx: number;
  dy: number;
}

/** The match state: plain data, owned by the loop. */
export interface TagState {
  readonly maxPlayers: number;
  readonly emptyTicksToEnd: number;
  players: Map<string, Player>;
  /** Session id of the player who is "it". */
  it: string | undefined;
  /** Tick at which "it" may tag again. */
  tagReadyAt: number;
  emptyTicks: number;
  /** Inputs the loop has applied (for the tests). */
  inputs: number;
}

/** What op 2 carries. */
export interface StateMessage {
  tick: number;
  it: string | null;
  players: { sessionId: string; username: string; x: number; y: number }[];
}

/** The label listings see: `+label.mode:tag +label.open:true` finds a game with room. */
function label(state: TagState): string {
  const players = state.players.size;
  return JSON.stringify({
    mode: 'tag',
    open: players < state.maxPlayers,
    players,
    maxPlayers: state.maxPlayers,
  });
}

/** Parses an input; anything malformed is ignored rather than trusted. */
function readInput(message: MatchMessage): { dx: number; dy: number } | undefined {
  try {
    const { dx, dy } = JSON.parse(new TextDecoder().decode(message.data)) as { dx?: unknown; dy?: unknown };
    if (typeof dx !== 'number' || typeof dy !== 'number' || !Number.isFinite(dx) || !Number.isFinite(dy))
      return undefined;
    return { dx: Math.max(-1, Math.min(1, dx)), dy: Math.max(-1, Math.min(1, dy)) };
  } catch {
    return undefined;
  }
}

const clamp = (v: number) => Math.max(0, Math.min(BOARD, v));

function broadcastState(dispatcher: MatchDispatcher, tick: number, state: TagState): void {
  const message: StateMessage = {
    tick,
    it: state.it ?? null,
    players: [...state.players.values()].map((p) => ({
      sessionId: p.presence.sessionId,
      username: p.presence.username,
      x: p.x,
      y: p.y,
    })),
  };
  dispatcher.broadcastMessage(OpCode.STATE, JSON.stringify(message));
}

/** The match handler registered as `tag`. */
export const tagHandler: MatchHandler<TagState> = {
  matchInit(_ctx, params) {
    const p = params as TagParams;
    const state: TagState = {
      maxPlayers: Number.isInteger(p.maxPlayers) && p.maxPlayers! > 0 ? p.maxPlayers! : 4,
      emptyTicksToEnd:
        Number.isInteger(p.emptyTicksToEnd) && p.emptyTicksToEnd! > 0 ? p.emptyTicksToEnd! : 50,
      players: new Map(),
      it: undefined,
      tagReadyAt: 0,
      emptyTicks: 0,
      inputs: 0,
    };
    return { state, tickRate: 10, label: label(state) };
  },

  matchJoinAttempt(_ctx, _dispatcher, _tick, state) {
    if (state.players.size >= state.maxPlayers) {
      return { state, accept: false, rejectMessage: `Match is full (${state.maxPlayers} players)` };
    }
    return { state, accept: true };
  },

  matchJoin(_ctx, dispatcher, _tick, state, presences) {
    for (const presence of presences) {
      // Spawn along the diagonal so players do not start on top of each other.
      const n = state.players.size;
      state.players.set(presence.sessionId, {
        presence,
        x: (n * 5) % BOARD,
        y: (n * 5) % BOARD,
        dx: 0,
        dy: 0,
      });
      state.it ??= presence.sessionId;
    }
    dispatcher.matchLabelUpdate(label(state));
    return { state };
  },

  matchLeave(_ctx, dispatcher, _tick, state, presences) {
    for (const presence of presences) state.players.delete(presence.sessionId);
    if (state.it !== undefined && !state.players.has(state.it)) state.it = state.players.keys().next().value;
    dispatcher.matchLabelUpdate(label(state));
    return { state };
  },

  matchLoop(_ctx, dispatcher, tick, state, messages) {
    if (state.players.size === 0) {
      // Nobody left: end the match after a while (returning null ends it).
      state.emptyTicks++;
      return state.emptyTicks >= state.emptyTicksToEnd ? null : { state };
    }
    state.emptyTicks = 0;
    for (const message of messages) {
      const player = state.players.get(message.sender.sessionId);
      const input = message.opCode === OpCode.INPUT ? readInput(message) : undefined;
      if (!player || !input) continue;
      player.dx = input.dx;
      player.dy = input.dy;
      state.inputs++;
    }
    for (const p of state.players.values()) {
      p.x = clamp(p.x + p.dx * SPEED);
      p.y = clamp(p.y + p.dy * SPEED);
    }
    const it = state.it === undefined ? undefined : state.players.get(state.it);
    if (it && tick >= state.tagReadyAt) {
      for (const other of state.players.values()) {
        if (other === it || Math.hypot(other.x - it.x, other.y - it.y) > 1) continue;
        state.it = other.presence.sessionId;
        state.tagReadyAt = tick + TAG_COOLDOWN_TICKS;
        break;
      }
    }
    broadcastState(dispatcher, tick, state);
    return { state };
  },

  matchTerminate(_ctx, dispatcher, _tick, _state, graceSeconds) {
    dispatcher.broadcastMessage(OpCode.SHUTDOWN, JSON.stringify({ graceSeconds }));
    return null;
  },

  matchSignal(_ctx, _dispatcher, _tick, state, data) {
    // A server-side peek used by the `tag_status` RPC: no client can ask for this directly.
    if (data === 'status') {
      return {
        state,
        data: JSON.stringify({ players: state.players.size, inputs: state.inputs, it: state.it ?? null }),
      };
    }
    return { state, data: '' };
  },
};
