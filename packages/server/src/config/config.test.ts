import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, envName, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('has documented defaults', () => {
    const c = loadConfig({}, {});
    expect(c).toMatchObject({
      port: 7350,
      gmPort: 7353,
      data: './data',
      database: 'sqlite',
      serverKey: 'defaultkey',
    });
  });

  it('takes flags over environment over file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tether-cfg-'));
    const file = join(dir, 'tether.json');
    writeFileSync(file, JSON.stringify({ port: 1000, gmPort: 1001, host: '127.0.0.2' }));
    const c = loadConfig({ config: file, port: '3000' }, { TETHER_PORT: '2000', TETHER_GM_PORT: '2001' });
    expect(c.port).toBe(3000);
    expect(c.gmPort).toBe(2001);
    expect(c.host).toBe('127.0.0.2');
  });

  it('maps setting names to TETHER_* variables', () => {
    expect(envName('gmPort')).toBe('TETHER_GM_PORT');
    expect(envName('sessionEncryptionKey')).toBe('TETHER_SESSION_ENCRYPTION_KEY');
  });

  it('names every invalid setting', () => {
    expect(() => loadConfig({ port: 'abc', logLevel: 'loud' }, {})).toThrow(/port.*logLevel|logLevel.*port/s);
  });

  it('refuses default secrets in production, naming what to set', () => {
    expect(() => loadConfig({ production: true }, {})).toThrow(ConfigError);
    expect(() => loadConfig({}, { NODE_ENV: 'production' })).toThrow(/TETHER_SERVER_KEY/);
    const keys = {
      production: true,
      serverKey: 'a',
      httpKey: 'b',
      sessionEncryptionKey: 'c',
      refreshEncryptionKey: 'd',
    };
    const ok = loadConfig({ ...keys, consoleUsername: 'ops', consolePassword: 'a long passphrase' }, {});
    expect(ok.production).toBe(true);
  });

  it('reads cluster mode from --cluster / TETHER_CLUSTER and --node / TETHER_NODE', () => {
    const env = {
      TETHER_CLUSTER: 'redis://127.0.0.1:6379',
      TETHER_NODE: 'n1',
      TETHER_DATABASE: 'postgres://postgres@127.0.0.1:5432/test',
    };
    const c = loadConfig({}, env);
    expect(c).toMatchObject({ cluster: 'redis://127.0.0.1:6379', node: 'n1', clusterPrefix: 'tether' });
    expect(envName('cluster')).toBe('TETHER_CLUSTER');
    expect(() => loadConfig({ cluster: 'http://x' }, {})).toThrow(
      /cluster \(--cluster, TETHER_CLUSTER\): must be a redis:\/\//,
    );
  });

  it('refuses cluster mode on the SQLite default, saying why', () => {
    expect(() => loadConfig({ cluster: 'redis://127.0.0.1:6379' }, {})).toThrow(
      /cluster \(--cluster, TETHER_CLUSTER\): cluster mode needs a shared PostgreSQL database.*each node would keep its own file/,
    );
  });

  it('has the liveness defaults (Nakama: ping every 15 s, give up after 25 s), keepalive at 15 s', () => {
    expect(loadConfig({}, {})).toMatchObject({
      socketPingPeriodMs: 15_000,
      socketPongWaitMs: 25_000,
      socketKeepAliveMs: 15_000,
    });
    // Rare pings for many idle sockets: any ping period below the pong wait.
    expect(
      loadConfig({ socketPingPeriodMs: '120000', socketPongWaitMs: '150000', socketKeepAliveMs: '0' }, {}),
    ).toMatchObject({ socketPingPeriodMs: 120_000, socketPongWaitMs: 150_000, socketKeepAliveMs: 0 });
  });

  it('refuses a pong wait that is not longer than the ping period', () => {
    for (const pongWait of [15_000, 10_000]) {
      expect(() => loadConfig({ socketPongWaitMs: pongWait }, {})).toThrow(
        /socketPongWaitMs \(--socket-pong-wait-ms, TETHER_SOCKET_PONG_WAIT_MS\): must be longer than socketPingPeriodMs \(15000\)/,
      );
    }
    expect(() => loadConfig({}, { TETHER_SOCKET_PING_PERIOD_MS: '30000' })).toThrow(
      /must be longer than socketPingPeriodMs \(30000\)/,
    );
  });

  it('reads trusted proxies from the environment and refuses an entry that is no address or range', () => {
    expect(loadConfig({}, {}).trustedProxies).toBe('');
    expect(loadConfig({}, { TETHER_TRUSTED_PROXIES: '10.0.0.0/8, fd00::1' }).trustedProxies).toBe(
      '10.0.0.0/8, fd00::1',
    );
    expect(() => loadConfig({ trustedProxies: '10.0.0.1,nginx' }, {})).toThrow(
      /trustedProxies \(--trusted-proxies, TETHER_TRUSTED_PROXIES\): 'nginx' is not an IP address or a CIDR range/,
    );
  });

  it('refuses a keepalive delay the kernel cannot take (under a second)', () => {
    expect(() => loadConfig({ socketKeepAliveMs: 500 }, {})).toThrow(
      /socketKeepAliveMs \(--socket-keep-alive-ms, TETHER_SOCKET_KEEP_ALIVE_MS\): must be 0 \(off\) or 1000-32767000 ms/,
    );
  });

  it('refuses a node timeout shorter than three heartbeats', () => {
    expect(() => loadConfig({ clusterHeartbeatMs: 1000, clusterNodeTimeoutMs: 2000 }, {})).toThrow(
      /clusterNodeTimeoutMs \(--cluster-node-timeout-ms, TETHER_CLUSTER_NODE_TIMEOUT_MS\): must be at least three heartbeats/,
    );
  });

  it('has console defaults, and refuses the default console login in production', () => {
    expect(loadConfig({}, {})).toMatchObject({
      consolePort: 7351,
      consoleUsername: 'admin',
      consolePassword: 'password',
    });
    const keys = { serverKey: 'a', httpKey: 'b', sessionEncryptionKey: 'c', refreshEncryptionKey: 'd' };
    expect(() => loadConfig({ ...keys, production: true }, {})).toThrow(
      /TETHER_CONSOLE_USERNAME \(--console-username\), TETHER_CONSOLE_PASSWORD \(--console-password\)/,
    );
    const onlyPassword = (() => {
      try {
        loadConfig({ ...keys, production: true, consoleUsername: 'ops' }, {});
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(onlyPassword).toMatch(/TETHER_CONSOLE_PASSWORD/);
    expect(onlyPassword).not.toMatch(/TETHER_CONSOLE_USERNAME/);
    const env = {
      TETHER_CONSOLE_USERNAME: 'ops',
      TETHER_CONSOLE_PASSWORD: 'pw',
      TETHER_CONSOLE_PORT: '9000',
    };
    expect(loadConfig({ ...keys, production: true }, env)).toMatchObject({
      consoleUsername: 'ops',
      consolePassword: 'pw',
      consolePort: 9000,
    });
    expect(() => loadConfig({ consoleUsername: 'has space' }, {})).toThrow(/consoleUsername/);
  });
});
