import { randomBytes } from 'node:crypto';
import { ATTRIBUTION_CODE } from './contracts.js';

/**
 * Referral codes to try, in order, for a manager who has none: their 工号 (short and already on
 * their badge), their username, then random ones (`M` + 6 characters). The caller keeps the first free one.
 */
export function referralCodeCandidates(employeeNo: string | null, username: string): string[] {
  const clean = (s: string | null) => (s ?? '').replace(/[^A-Za-z0-9_-]/g, '').slice(0, 40);
  const own = [clean(employeeNo), clean(username)].filter((c) => c && ATTRIBUTION_CODE.test(c));
  const random = Array.from({ length: 5 }, () => `M${randomBytes(6).toString('base64url').replace(/[^A-Za-z0-9]/g, '').slice(0, 6).toUpperCase()}`);
  return [...new Set([...own, ...random])];
}
