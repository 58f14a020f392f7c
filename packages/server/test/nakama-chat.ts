/**
 * Chat and notification helpers for tests with the unmodified nakama-js client: users with an open
 * socket, and a recorder of the pushes a socket receives that tests can await (never sleep on).
 */
import type {
  ChannelMessage,
  ChannelPresenceEvent,
  Client,
  Notification,
  Session,
  Socket,
} from '@heroiclabs/nakama-js';
import { afterEach } from 'vitest';
import type { TetherConfig } from '../src/config/config.ts';
import type { TestBackend, TestStore } from './backends.ts';
import type { TestServer } from './helpers.ts';
import { nakamaClient } from './realtime-helpers.ts';

/** How long a test waits for a push before failing with a message that says which one. */
const PUSH_TIMEOUT_MS = 5000;

/** The pushes one socket received, in order, per kind. */
export class PushLog {
  readonly messages: ChannelMessage[] = [];
  readonly presences: ChannelPresenceEvent[] = [];
  readonly notifications: Notification[] = [];
  readonly #waiters = new Set<() => void>();

  constructor(socket: Socket) {
    socket.onchannelmessage = (m) => this.#add(this.messages, m);
    socket.onchannelpresence = (e) => this.#add(this.presences, e);
    socket.onnotification = (n) => this.#add(this.notifications, n);
  }

  /** Resolves with item `index` (0-based) of a list once it has arrived; rejects after 5 s. */
  async nth<T>(list: T[], index: number, what = 'push'): Promise<T> {
    if (list.length > index) return list[index]!;
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        if (list.length <= index) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(list[index]!);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`timed out waiting for ${what} #${index + 1} (have ${list.length})`));
      }, PUSH_TIMEOUT_MS);
      this.#waiters.add(check);
    });
  }

  /** The `index`th channel message. */
  message(index: number): Promise<ChannelMessage> {
    return this.nth(this.messages, index, 'channel_message');
  }

  /** The `index`th channel presence event. */
  presence(index: number): Promise<ChannelPresenceEvent> {
    return this.nth(this.presences, index, 'channel_presence_event');
  }

  /** The `index`th notification. */
  notification(index: number): Promise<Notification> {
    return this.nth(this.notifications, index, 'notification');
  }

  #add<T>(list: T[], item: T): void {
    list.push(item);
    for (const check of [...this.#waiters]) check();
  }
}

/** A user with a session, an open socket and the log of its pushes. */
export interface ChatUser {
  readonly session: Session;
  readonly socket: Socket;
  readonly log: PushLog;
  readonly id: string;
  readonly username: string;
}

/** Authenticates a device (creating the account with `username`) without opening a socket. */
export async function login(client: Client, username: string): Promise<Session> {
  return client.authenticateDevice(`device-${username}-chat-test`, true, username);
}

/** Authenticates and opens a socket (the unmodified client; needs the Node shim installed). */
export async function connectUser(client: Client, username: string, session?: Session): Promise<ChatUser> {
  const s = session ?? (await login(client, username));
  const socket = client.createSocket(false, false);
  const log = new PushLog(socket);
  await socket.connect(s, false);
  return { session: s, socket, log, id: s.user_id!, username: s.username! };
}

/**
 * One server per test on `backend` (with its own database), and the users a test connects to it.
 * Call inside a `describe`: registers an `afterEach` that closes every socket in `users`, stops the
 * server and deletes its database.
 */
export function chatServerPerTest(backend: TestBackend) {
  let store: TestStore | undefined;
  let server: TestServer | undefined;
  const users: ChatUser[] = [];
  afterEach(async () => {
    for (const u of users.splice(0)) u.socket.disconnect(false);
    await server?.stop();
    await store?.dispose();
    server = undefined;
    store = undefined;
  });
  return {
    /** Sockets closed after the test (`user` adds its own; push others opened with `connectUser`). */
    users,
    /** Starts this test's server (with settings `overrides`) and returns a nakama-js client for it. */
    async start(overrides: Partial<TetherConfig> = {}): Promise<Client> {
      store = backend.newStore();
      server = await store.start(overrides);
      return nakamaClient(server);
    },
    /** Connects a user (logging in unless `session` is given), closed after the test. */
    async user(client: Client, name: string, session?: Session): Promise<ChatUser> {
      const u = await connectUser(client, name, session);
      users.push(u);
      return u;
    },
    /** This test's server, once started. */
    server: (): TestServer | undefined => server,
  };
}

/** The `{code, message}` a nakama-js socket call rejected with. */
export async function socketError(p: Promise<unknown>): Promise<{ code: number; message: string }> {
  const err = await p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  return err as { code: number; message: string };
}

/** The HTTP status a nakama-js REST call rejected with (it throws the fetch Response). */
export async function httpStatus(p: Promise<unknown>): Promise<number> {
  const err = await p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  return (err as Response).status;
}
