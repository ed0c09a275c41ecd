import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';

type ScriptClient = { query(sql: string): Promise<unknown> };

/**
 * @prisma/adapter-pg runs a migration script by splitting it at every `;`, which breaks function
 * bodies and DO blocks. This factory hands the schema engine adapters that send the script whole,
 * as one simple-protocol query (which PostgreSQL runs statement by statement). PGlite's adapter
 * already runs scripts whole and passes through untouched.
 */
export function runScriptsWhole(factory: SqlMigrationAwareDriverAdapterFactory): SqlMigrationAwareDriverAdapterFactory & { release(): Promise<void> } {
  const connected: SqlDriverAdapter[] = [];
  const patch = (adapter: SqlDriverAdapter): SqlDriverAdapter => {
    connected.push(adapter);
    const inner = adapter as SqlDriverAdapter & { client?: ScriptClient; onError?: (e: unknown) => never };
    const client = inner.client;
    if (factory.adapterName !== '@prisma/adapter-pg' || typeof client?.query !== 'function') return adapter;
    inner.executeScript = async (script: string) => {
      try {
        await client.query(script);
      } catch (e) {
        if (inner.onError) inner.onError(e);
        throw e;
      }
    };
    return adapter;
  };
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => patch(await factory.connect()),
    connectToShadowDb: async () => patch(await factory.connectToShadowDb()),
    /**
     * The schema engine takes a session-level advisory lock while it migrates and leaves its release
     * to the end of the session. On PostgreSQL this ends the engine's own connections (a connection
     * kept open would keep another server's start-up waiting); PGlite's one session is the database
     * itself, kept open, so there the lock is released by hand.
     */
    async release() {
      const adapters = connected.splice(0);
      if (factory.adapterName === '@prisma/adapter-pg') {
        await Promise.allSettled(adapters.map((a) => a.dispose()));
        return;
      }
      await adapters[0]?.executeScript('SELECT pg_advisory_unlock_all()');
    },
  };
}
