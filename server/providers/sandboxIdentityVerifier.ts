import type { Logger } from 'pino';
import { maskIdNumber, maskName } from '../../core/index.js';
import { describeFile, sandboxFileFor } from './sandboxFiles.js';
import type { IdentityQuery, IdentityVerifier } from './types.js';

/**
 * Sandbox identity checks. For a demo persona the name must be the persona's (any other name is a
 * name/ID mismatch: how the consistency rule is demonstrated); the mobile is not checked, since
 * people demo with their own phone. Other valid ID numbers answer from their synthetic file; an
 * invalid ID number never matches.
 */
export class SandboxIdentityVerifier implements IdentityVerifier {
  readonly name = 'sandbox-identity';
  constructor(private readonly logger: Pick<Logger, 'info'>) {}

  async verify(query: IdentityQuery) {
    const file = sandboxFileFor(query.person.idNumber);
    if (!file) return { ok: true as const, data: { nameIdMatch: false, mobileMatch: false } };
    const base = file.profile.verification ?? {};
    const data = file.persona
      ? { ...base, nameIdMatch: file.persona.profile.person.name === query.person.name.trim(), mobileMatch: true }
      : base;
    this.logger.info(
      { provider: this.name, synthetic: file.synthetic, nameIdMatch: data.nameIdMatch },
      `[sandbox] identity ${maskName(query.person.name)} / ${maskIdNumber(query.person.idNumber)}: ${describeFile(file)}, name ${data.nameIdMatch === false ? 'does not match' : 'matches'}`,
    );
    return { ok: true as const, data, synthetic: file.synthetic };
  }

  async watchlist(query: IdentityQuery) {
    const file = sandboxFileFor(query.person.idNumber);
    if (!file) return { ok: true as const, data: null };
    const data = file.profile.watchlist ?? null;
    this.logger.info({ provider: this.name, synthetic: file.synthetic, listed: Boolean(data?.courtDefaulter || data?.bankBlacklist) }, `[sandbox] watchlist ${maskIdNumber(query.person.idNumber)}: ${describeFile(file)}`);
    return { ok: true as const, data, synthetic: file.synthetic };
  }
}
