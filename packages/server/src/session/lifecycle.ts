import type { Session } from './session.ts';

/** How a session was opened, for the features that react to it. */
export interface SessionOpenInfo {
  /** The client asked to appear online (`status=true` on `/ws`). */
  readonly appearOnline: boolean;
  /** The client asked to be the user's only session (`single_socket`); older ones were closed. */
  readonly singleSocket: boolean;
}

/** Called when a session opens (after its built-in presences are tracked). */
export type SessionOpenedListener = (session: Session, info: SessionOpenInfo) => void;
/** Called once when a session has closed (after it left every stream and the registry). */
export type SessionClosedListener = (session: Session, code: number, reason: string) => void;

/**
 * Session opens and closes, for features that keep per-session state (status follows, parties,
 * matchmaker tickets). The socket layer implements it; features subscribe in their `register…`.
 */
export interface SessionEvents {
  /** Subscribes to session opens; returns the unsubscribe function. */
  onOpened(listener: SessionOpenedListener): () => void;
  /** Subscribes to session closes; returns the unsubscribe function. */
  onClosed(listener: SessionClosedListener): () => void;
}
