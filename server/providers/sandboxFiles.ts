import { createHash } from 'node:crypto';
import { createPrng, DEMO_AS_OF, DEMO_PERSONAS, syntheticApplicant, validateResidentId, type ApplicantProfile, type DemoPersona } from '../../core/index.js';

/**
 * The sandbox's "outside world": what the bureau, government exchanges and the bank know about an
 * ID number. Demo personas (core DEMO_PERSONAS) answer with their own file; any other valid ID
 * number gets a SYNTHETIC file made up deterministically from a seed derived from the number, so
 * the same ID always gets the same data. An invalid ID number has no file.
 */
export interface SandboxFile {
  readonly persona: DemoPersona | null;
  /** True for a made-up file (not a demo persona). */
  readonly synthetic: boolean;
  /** The sources, watchlist and verification of the file; `person` is the persona's or the synthetic one. */
  readonly profile: ApplicantProfile;
}

/** 32-bit seed from a string (first 4 bytes of SHA-256): stable across platforms and versions. */
export const seedOf = (value: string): number => createHash('sha256').update(value).digest().readUInt32BE(0);

/** Birth dates are only checked against a far date: the sandbox does not judge age, the decision does. */
const ID_CHECK_AS_OF = '2100-01-01';

const cache = new Map<string, SandboxFile>();

export function sandboxFileFor(idNumber: string): SandboxFile | null {
  const id = validateResidentId(idNumber, ID_CHECK_AS_OF);
  if (!id.ok) return null;
  const key = id.value.idNumber;
  const hit = cache.get(key);
  if (hit) return hit;
  const persona = DEMO_PERSONAS[key] ?? null;
  const file: SandboxFile = persona
    ? { persona, synthetic: false, profile: persona.profile }
    : { persona: null, synthetic: true, profile: syntheticApplicant(createPrng(seedOf(`kuaidai-sandbox:${key}`)), DEMO_AS_OF, { enterprise: true }) };
  if (cache.size > 10_000) cache.clear();
  cache.set(key, file);
  return file;
}

/** What the sandbox logs about whose file answered, without the ID number. */
export const describeFile = (file: SandboxFile): string => (file.persona ? `persona ${file.persona.key}` : 'synthetic file');
