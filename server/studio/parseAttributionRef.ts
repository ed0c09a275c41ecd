import { ATTRIBUTION_CODE, ATTRIBUTION_PREFIX, type AttributionKind } from './contracts.js';

/**
 * What a referral names: `mgr_KM001` → a manager's code, `cmp_…`, `br_…`, `prd_…`; a bare code
 * (links and QR codes printed before prefixes) is `legacy`: a manager's referral code first, else a
 * campaign's code. Undefined for an empty or malformed value.
 */
export type ParsedRef = { readonly kind: AttributionKind; readonly code: string } | { readonly kind: 'legacy'; readonly code: string };

const BY_PREFIX = new Map(Object.entries(ATTRIBUTION_PREFIX).map(([kind, prefix]) => [prefix, kind as AttributionKind]));

export function parseAttributionRef(raw: string | null | undefined): ParsedRef | undefined {
  const ref = raw?.trim();
  if (!ref) return undefined;
  const m = /^(mgr|cmp|br|prd)_(.+)$/.exec(ref);
  if (m && ATTRIBUTION_CODE.test(m[2]!)) return { kind: BY_PREFIX.get(m[1]!)!, code: m[2]! };
  return ATTRIBUTION_CODE.test(ref) ? { kind: 'legacy', code: ref } : undefined;
}
