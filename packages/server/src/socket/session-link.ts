/**
 * What the session lifecycle keeps per realtime session about the connection under it: shared by the
 * lifecycle (`session-lifecycle.ts`) and the resume hand-over (`session-handover.ts`).
 *
 * @packageDocumentation
 */
import type { CarrierMeter, SessionMeter } from '../observability/meters.ts';
import type { Session, WireFormat } from '../session/session.ts';
import type { Connection } from '../transport/connection.ts';
import { ConnectionCarrier } from './connection-carrier.ts';
import type { WheelHeartbeat } from './heartbeat-wheel.ts';

/**
 * A session's connection now, and what watches it (every field set here: one hidden class). A held
 * session (waiting for a resume) has no connection.
 */
export class SessionLink {
  /** The connection the session is on now; undefined while it is held. */
  connection: Connection | undefined = undefined;
  /** How envelopes are written on the connection (a resume may change it). */
  format: WireFormat;
  /** Counts the connection as an open one of its carrier (or the session as `held`). */
  meter: CarrierMeter | undefined = undefined;
  /** The connection's liveness watch. */
  heartbeat: WheelHeartbeat<Session> | undefined = undefined;
  /** Cancels the close at token expiry, when one is scheduled. */
  cancelExpiry: (() => void) | undefined = undefined;
  /** Why the session was released, when it was (overflow), for the resume bookkeeping. */
  overflowed = false;

  /** @param format - the wire format of the session's first connection */
  constructor(format: WireFormat) {
    this.format = format;
  }

  /**
   * Puts the session on `connection` and returns the carrier for it, counted as an open connection
   * of its kind (protobuf `/ws` sessions are counted apart, as `ws-pb`).
   */
  connect(connection: Connection, meters: SessionMeter): ConnectionCarrier {
    const meter = meters.carrier(this.format === 'protobuf' ? 'ws-pb' : connection.carrier);
    meter.opened();
    this.connection = connection;
    this.meter = meter;
    return new ConnectionCarrier(connection, this.format, meter);
  }
}
