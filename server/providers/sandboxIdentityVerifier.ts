import type { Logger } from 'pino';
import { maskIdNumber, maskName } from '../../core/index.js';
import { describeFile, sandboxFileFor } from './sandboxFiles.js';
import type { IdentityQuery, IdentityVerifier } from './types.js';

/**
 * Sandbox identity checks, as the public-security (name + ID) and operator three-factor (name + ID +
 * mobile) checks a bank calls. A demo persona verifies only with the persona's own name and mobile
 * (README lists them): another name or another mobile with their ID number is a mismatch, which is
 * how an impostor is demonstrated. Any other valid ID number is a made-up person whose true name
 * the sandbox cannot know: it verifies as typed (the bank's stored, verified record then guards it:
 * see applicationService). An invalid ID number never matches.
 */
export class SandboxIdentityVerifier implements IdentityVerifier {
  readonly name = 'sandbox-identity';
  constructor(private readonly logger: Pick<Logger, 'info'>) {}

  async verify(query: IdentityQuery) {
    const file = sandboxFileFor(query.person.idNumber);
    if (!file) return { ok: true as const, data: { nameIdMatch: false, mobileMatch: false } };
    const base = file.profile.verification ?? {};
    const person = file.persona?.profile.person;
    const data = person
      ? { ...base, nameIdMatch: person.name === query.person.name.trim(), mobileMatch: person.mobile === query.person.mobile }
      : { ...base, nameIdMatch: true, mobileMatch: true };
    this.logger.info(
      { provider: this.name, synthetic: file.synthetic, nameIdMatch: data.nameIdMatch, mobileMatch: data.mobileMatch },
      `[sandbox] identity ${maskName(query.person.name)} / ${maskIdNumber(query.person.idNumber)}: ${describeFile(file)}, name ${data.nameIdMatch ? 'matches' : 'does not match'}, mobile ${data.mobileMatch ? 'matches' : 'does not match'}`,
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
