import { isIP } from 'node:net';
import { ConfigError } from './configError.js';
import { weakSecretReason } from './weakSecret.js';

/** Shortest bearer token production accepts (e.g. `openssl rand -hex 24` gives 48 characters). */
export const MIN_PRODUCTION_TOKEN_LENGTH = 32;

const GENERATE = 'e.g. `openssl rand -hex 32`';

/** Whether `host` (a listen address or a URL's hostname) is this machine only. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost') || h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice('::ffff:'.length) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/**
 * Development (and test) mode runs with a public data key and session secret and open REST and
 * staff APIs, so it must stay on this machine with made-up data: a listen address beyond loopback,
 * the bank's providers, or links for people elsewhere (PUBLIC_BASE_URL; test mode may name one,
 * since tests render links) each stop start-up, naming the setting.
 */
export function refuseOutsideDevelopment(
  settings: { readonly HOST: string; readonly PROVIDERS: string; readonly PUBLIC_BASE_URL?: string | undefined },
  envName: 'development' | 'test',
): void {
  const why = 'which development mode refuses: it runs with the public development key and session secret and open APIs';
  if (!isLoopback(settings.HOST)) {
    throw new ConfigError('HOST', `${settings.HOST} serves beyond this machine, ${why}; set KUAIDAI_ENV=production with real secrets, or leave HOST at 127.0.0.1`);
  }
  if (settings.PROVIDERS !== 'sandbox') {
    throw new ConfigError('PROVIDERS', `${settings.PROVIDERS} handles real borrowers, ${why}; set KUAIDAI_ENV=production with real secrets`);
  }
  if (envName === 'development' && settings.PUBLIC_BASE_URL !== undefined && !isLoopback(new URL(settings.PUBLIC_BASE_URL).hostname)) {
    throw new ConfigError('PUBLIC_BASE_URL', `${new URL(settings.PUBLIC_BASE_URL).host} is not this machine, so people elsewhere would use this server, ${why}; set KUAIDAI_ENV=production with real secrets`);
  }
}

/** The secrets production reads, as given (unset ones undefined); the data keys already decoded. */
export interface ProductionSecrets {
  readonly dataKey: Buffer;
  readonly oldDataKeys: readonly Buffer[];
  readonly values: Readonly<Record<
    'KUAIDAI_DATA_KEY' | 'SESSION_SECRET' | 'CHAT_API_TOKEN' | 'STAFF_API_TOKEN' | 'METRICS_TOKEN' | 'WECHAT_OA_TOKEN' | 'WECHAT_OA_APP_SECRET' | 'WECHAT_OA_AES_KEY' | 'WECHATY_PUPPET_TOKEN' | 'KUAIDAI_DATA_KEYS_OLD',
    string | undefined
  >>;
  /** Values published in this repository (the development key and secret): never secrets. */
  readonly known: { readonly dataKey: Buffer; readonly sessionSecret: string };
}

/**
 * Production refuses, naming the setting: the development key or secret, a key of one repeated or
 * text-like bytes, a token shorter than 32 characters, a secret that looks typed rather than random,
 * and one value used for two purposes (a leak of one would be a leak of both).
 */
export function refuseWeakProductionSecrets(s: ProductionSecrets): void {
  if (s.dataKey.equals(s.known.dataKey)) throw new ConfigError('KUAIDAI_DATA_KEY', `is the public development key; generate one (e.g. \`openssl rand -base64 32\`)`);
  const keyWeakness = weakSecretReason(s.dataKey);
  if (keyWeakness) throw new ConfigError('KUAIDAI_DATA_KEY', `${keyWeakness}: it must be 32 random bytes (e.g. \`openssl rand -base64 32\`)`);
  if (s.oldDataKeys.some((k) => k.equals(s.dataKey))) throw new ConfigError('KUAIDAI_DATA_KEYS_OLD', 'lists KUAIDAI_DATA_KEY itself; it holds only keys no longer written with');

  const { values } = s;
  if (values.SESSION_SECRET !== undefined) {
    if (values.SESSION_SECRET === s.known.sessionSecret) throw new ConfigError('SESSION_SECRET', `is the public development secret; generate one (${GENERATE})`);
    const weakness = weakSecretReason(values.SESSION_SECRET);
    if (weakness) throw new ConfigError('SESSION_SECRET', `${weakness}; it signs the web chat's session cookies`);
  }
  for (const setting of ['CHAT_API_TOKEN', 'STAFF_API_TOKEN', 'METRICS_TOKEN', 'WECHAT_OA_TOKEN'] as const) {
    const token = values[setting];
    if (token === undefined) continue;
    if (token.length < MIN_PRODUCTION_TOKEN_LENGTH) {
      const hint = setting === 'WECHAT_OA_TOKEN' ? 'enter 32 random letters and digits as the Token in the WeChat console' : GENERATE;
      throw new ConfigError(setting, `must be at least ${MIN_PRODUCTION_TOKEN_LENGTH} characters in production (${hint})`);
    }
    const weakness = weakSecretReason(token);
    if (weakness) throw new ConfigError(setting, `${weakness}; production needs a random token`);
  }

  // One value, two purposes: named by the later setting, so the message says which two.
  const seen = new Map<string, string>();
  const order = ['KUAIDAI_DATA_KEY', 'SESSION_SECRET', 'CHAT_API_TOKEN', 'STAFF_API_TOKEN', 'METRICS_TOKEN', 'WECHAT_OA_TOKEN', 'WECHAT_OA_APP_SECRET', 'WECHAT_OA_AES_KEY', 'WECHATY_PUPPET_TOKEN'] as const;
  for (const setting of order) {
    const value = values[setting]?.trim();
    if (!value) continue;
    const first = seen.get(value);
    if (first) throw new ConfigError(setting, `is the same value as ${first}; give each purpose its own secret`);
    seen.set(value, setting);
  }
  // The data key also counts by its bytes, however it was written (base64 or hex).
  for (const setting of order.slice(1)) {
    const value = values[setting]?.trim();
    if (value && [Buffer.from(value, 'utf8'), Buffer.from(value, 'base64'), /^[0-9a-f]+$/i.test(value) ? Buffer.from(value, 'hex') : Buffer.alloc(0)].some((b) => b.equals(s.dataKey))) {
      throw new ConfigError(setting, 'is KUAIDAI_DATA_KEY written another way; give each purpose its own secret');
    }
  }
}
