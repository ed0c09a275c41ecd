import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';

type ScriptClient = { query(sql: string): Promise<unknown> };

/**
 * @prisma/adapter-pg runs a migration script by splitting it at every `;`, which breaks function
 * bodies and DO blocks. This factory hands the schema engine adapters that send the script whole,
 * as one simple-protocol query (which PostgreSQL runs statement by statement). PGlite's adapter
 * already runs scripts whole and passes through untouched.
 */
export function runScriptsWhole(factory: SqlMigrationAwareDriverAdapterFactory): SqlMigrationAwareDriverAdapterFactory {
  const patch = (adapter: SqlDriverAdapter): SqlDriverAdapter => {
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
  };
}
