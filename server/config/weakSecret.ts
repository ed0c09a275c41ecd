/**
 * The floor for `estimatedBits`. Its estimate for a random 128-bit value written as 32 hex digits
 * (the shortest token production takes) is 125 ± 5 bits, and one value in a few hundred thousand
 * falls under 96 (one in 3 million under 90, measured): a threshold of 96 refused real random
 * tokens now and then. 80 keeps such chance refusals, extrapolated, near one in a billion while
 * values of few distinct characters (`akztzakatzkz…`, 74) and short typed words
 * (`kuaidaiTestToken`, 61) stay refused.
 */
const MIN_ESTIMATED_BITS = 80;

/**
 * Why a secret looks made by a person rather than drawn at random, or undefined. A heuristic: it
 * refuses what people type (one character repeated, a short pattern, `abcd…`/`1234…` runs, few
 * distinct characters, text where random bytes are due) and lets the output of
 * `openssl rand -hex 32`, `-base64 32` and `-hex 16` through; it cannot prove a value random.
 */
export function weakSecretReason(value: string | Buffer, options: { minBits?: number } = {}): string | undefined {
  const minBits = options.minBits ?? MIN_ESTIMATED_BITS;
  const symbols: readonly (string | number)[] = typeof value === 'string' ? [...value] : [...value];
  const n = symbols.length;
  if (n === 0) return 'is empty';
  if (new Set(symbols).size === 1) return typeof value === 'string' ? 'is one character repeated' : 'is one byte repeated';
  for (let period = 1; period <= n / 2; period++) {
    if (symbols.every((s, i) => i < period || s === symbols[i - period])) return 'repeats a short pattern';
  }
  const codes = symbols.map((s) => (typeof s === 'string' ? s.codePointAt(0)! : s));
  let steps = 0;
  for (let i = 1; i < n; i++) if (Math.abs(codes[i]! - codes[i - 1]!) <= 1) steps++;
  // Three quarters, not half: about 17 % of a random hex value's neighbours are equal or adjacent
  // digits, and half of 31 was reached by chance (1840009bbaaad49dcdccb0fedc665968, from
  // `randomBytes(16)`): about one such value in 80,000 was refused.
  if (steps * 4 >= (n - 1) * 3) return 'is mostly a run of neighbouring characters (like abcd… or 1234…)';
  if (typeof value !== 'string' && n >= 16 && value.every((b) => b >= 0x20 && b < 0x7f)) return 'is text, not random bytes (e.g. `openssl rand -base64 32`)';
  const bits = estimatedBits(codes);
  if (bits < minBits) return `has too little randomness (about ${Math.floor(bits)} bits; use e.g. \`openssl rand -hex 32\`)`;
  return undefined;
}

/** Shannon entropy of the value's own symbol frequencies (bias-corrected) times its length: near the truth for random strings, low for typed ones. */
function estimatedBits(codes: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const c of codes) counts.set(c, (counts.get(c) ?? 0) + 1);
  let perSymbol = 0;
  for (const count of counts.values()) {
    const p = count / codes.length;
    perSymbol -= p * Math.log2(p);
  }
  // Miller–Madow: the plug-in estimate runs low on short strings.
  return (perSymbol + (counts.size - 1) / (2 * codes.length * Math.LN2)) * codes.length;
}
