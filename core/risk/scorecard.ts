import { coreError, err, ok, type Result } from '../result.js';

/**
 * A points scorecard as plain data: base points plus, per variable, bins with points. Numeric
 * bins are right-open `[lo, hi)` (`null` = −∞/+∞, so the card stays JSON); categorical bins are
 * sets of values; every variable must say what a missing value scores (`missing`), and may say
 * what a present value outside all bins scores (`else`, default: the missing points).
 */

export type FeatureValue = number | string | boolean | null | undefined;
/** Variable name → value, as the card's variables read it. */
export type FeatureVector = Readonly<Record<string, FeatureValue>>;

export interface NumericBin {
  /** Inclusive lower bound; null = −∞. */
  readonly lo: number | null;
  /** Exclusive upper bound; null = +∞. */
  readonly hi: number | null;
  readonly points: number;
}

export interface CategoricalBin {
  /** Values compared as strings (`true` → `'true'`, 3 → `'3'`). */
  readonly values: readonly string[];
  readonly points: number;
}

export interface FallbackBin {
  readonly points: number;
}

interface VariableCommon {
  readonly name: string;
  readonly description?: string;
  /** Stable code of the adverse factor this variable explains (internal reason code). */
  readonly reasonCode?: string;
  readonly missing: FallbackBin;
  readonly else?: FallbackBin;
}

export interface NumericVariable extends VariableCommon {
  readonly kind: 'numeric';
  readonly bins: readonly NumericBin[];
}

export interface CategoricalVariable extends VariableCommon {
  readonly kind: 'categorical';
  readonly bins: readonly CategoricalBin[];
}

export type ScorecardVariable = NumericVariable | CategoricalVariable;

/** Score ↔ odds scaling: `baseScore` points at good:bad odds `baseOdds`, odds double every `pdo` points. */
export interface ScoreScalingParams {
  readonly baseScore: number;
  readonly baseOdds: number;
  readonly pdo: number;
}

export interface Scorecard {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly purpose: 'application' | 'behaviour';
  /** True for synthetic, hand-set cards that were not fitted on data. */
  readonly illustrative: boolean;
  readonly description?: string;
  readonly basePoints: number;
  readonly scaling?: ScoreScalingParams;
  readonly variables: readonly ScorecardVariable[];
}

export interface VariableScore {
  readonly variable: string;
  readonly value: FeatureValue;
  /** Matched bin: `[lo, hi)`, the category list, `missing` or `else`. */
  readonly bin: string;
  readonly points: number;
  /** Best points this variable can give; `maxPoints − points` ranks adverse factors. */
  readonly maxPoints: number;
  readonly reasonCode?: string;
}

export interface ScoreResult {
  /** basePoints + Σ variables[i].points, summed in that order. */
  readonly total: number;
  readonly basePoints: number;
  readonly variables: readonly VariableScore[];
}

// ---------------------------------------------------------------------------------------------
// Validation

const fail = (code: string, message: string, field: string): Result<never> => err(coreError(code, message, field));
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isBound = (v: unknown): v is number | null => v === null || isFiniteNumber(v);

export const formatInterval = (lo: number | null, hi: number | null): string => `[${lo === null ? '-inf' : lo}, ${hi === null ? 'inf' : hi})`;

function validateFallback(raw: unknown, field: string, required: boolean): Result<FallbackBin | undefined> {
  if (raw === undefined) {
    return required ? fail('SCORECARD_NO_MISSING_BIN', `${field} is required: every variable says what a missing value scores`, field) : ok(undefined);
  }
  if (!isObject(raw) || !isFiniteNumber(raw.points)) return fail('SCORECARD_POINTS_INVALID', `${field}.points must be a finite number`, field);
  return ok({ points: raw.points });
}

function validateNumericBins(raw: readonly unknown[], field: string): Result<NumericBin[]> {
  const bins: NumericBin[] = [];
  for (const [i, b] of raw.entries()) {
    const f = `${field}[${i}]`;
    if (!isObject(b) || !isBound(b.lo) || !isBound(b.hi)) return fail('SCORECARD_BIN_INVALID', `${f} needs lo and hi (finite numbers or null)`, f);
    if (!isFiniteNumber(b.points)) return fail('SCORECARD_POINTS_INVALID', `${f}.points must be a finite number`, f);
    if (b.lo !== null && b.hi !== null && b.lo >= b.hi) return fail('SCORECARD_BIN_EMPTY', `${f} ${formatInterval(b.lo, b.hi)} is empty`, f);
    bins.push({ lo: b.lo, hi: b.hi, points: b.points });
  }
  const lo = (b: NumericBin): number => (b.lo === null ? -Infinity : b.lo);
  bins.sort((a, b) => lo(a) - lo(b));
  for (let i = 0; i + 1 < bins.length; i++) {
    const a = bins[i] as NumericBin;
    const b = bins[i + 1] as NumericBin;
    const aHi = a.hi === null ? Infinity : a.hi;
    if (aHi < lo(b)) return fail('SCORECARD_BIN_GAP', `${field}: gap between ${formatInterval(a.lo, a.hi)} and ${formatInterval(b.lo, b.hi)}`, field);
    if (aHi > lo(b)) return fail('SCORECARD_BIN_OVERLAP', `${field}: ${formatInterval(a.lo, a.hi)} overlaps ${formatInterval(b.lo, b.hi)}`, field);
  }
  return ok(bins);
}

function validateCategoricalBins(raw: readonly unknown[], field: string): Result<CategoricalBin[]> {
  const seen = new Set<string>();
  const bins: CategoricalBin[] = [];
  for (const [i, b] of raw.entries()) {
    const f = `${field}[${i}]`;
    if (!isObject(b) || !Array.isArray(b.values) || b.values.length === 0) return fail('SCORECARD_BIN_INVALID', `${f} needs a non-empty values list`, f);
    if (!isFiniteNumber(b.points)) return fail('SCORECARD_POINTS_INVALID', `${f}.points must be a finite number`, f);
    const values: string[] = [];
    for (const v of b.values as unknown[]) {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return fail('SCORECARD_BIN_INVALID', `${f} values must be strings, numbers or booleans`, f);
      const s = String(v);
      if (seen.has(s)) return fail('SCORECARD_BIN_OVERLAP', `${field}: value '${s}' is in two bins`, f);
      seen.add(s);
      values.push(s);
    }
    bins.push({ values, points: b.points });
  }
  return ok(bins);
}

function validateVariable(raw: unknown, field: string): Result<ScorecardVariable> {
  if (!isObject(raw) || typeof raw.name !== 'string' || raw.name === '') return fail('SCORECARD_SHAPE', `${field} needs a name`, field);
  const f = `${field}(${raw.name})`;
  if (raw.kind !== 'numeric' && raw.kind !== 'categorical') return fail('SCORECARD_SHAPE', `${f}.kind must be numeric or categorical`, f);
  if (!Array.isArray(raw.bins) || raw.bins.length === 0) return fail('SCORECARD_NO_BINS', `${f} has no bins`, f);
  const missing = validateFallback(raw.missing, `${f}.missing`, true);
  if (!missing.ok) return missing;
  const other = validateFallback(raw.else, `${f}.else`, false);
  if (!other.ok) return other;
  const common = {
    name: raw.name,
    ...(typeof raw.description === 'string' ? { description: raw.description } : {}),
    ...(typeof raw.reasonCode === 'string' ? { reasonCode: raw.reasonCode } : {}),
    missing: missing.value as FallbackBin,
    ...(other.value === undefined ? {} : { else: other.value }),
  };
  if (raw.kind === 'numeric') {
    const bins = validateNumericBins(raw.bins, `${f}.bins`);
    return bins.ok ? ok({ ...common, kind: 'numeric', bins: bins.value }) : bins;
  }
  const bins = validateCategoricalBins(raw.bins, `${f}.bins`);
  return bins.ok ? ok({ ...common, kind: 'categorical', bins: bins.value }) : bins;
}

/** Checks scaling parameters; SCORECARD_SCALING_INVALID unless baseOdds > 0 and pdo > 0. */
export function validateScalingParams(raw: unknown, field = 'scaling'): Result<ScoreScalingParams> {
  if (!isObject(raw) || !isFiniteNumber(raw.baseScore) || !isFiniteNumber(raw.baseOdds) || !isFiniteNumber(raw.pdo) || raw.baseOdds <= 0 || raw.pdo <= 0) {
    return fail('SCORECARD_SCALING_INVALID', `${field} needs finite baseScore, baseOdds > 0 and pdo > 0`, field);
  }
  return ok({ baseScore: raw.baseScore, baseOdds: raw.baseOdds, pdo: raw.pdo });
}

const deepFreeze = <T>(v: T): T => {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
};

/**
 * Validates untrusted scorecard data (JSON from config or an importer) and returns a normalised,
 * frozen card (numeric bins sorted). Errors: SCORECARD_SHAPE, SCORECARD_NO_BINS,
 * SCORECARD_NO_MISSING_BIN, SCORECARD_BIN_INVALID, SCORECARD_BIN_EMPTY, SCORECARD_BIN_GAP,
 * SCORECARD_BIN_OVERLAP, SCORECARD_POINTS_INVALID, SCORECARD_DUPLICATE_VARIABLE,
 * SCORECARD_SCALING_INVALID.
 */
export function loadScorecard(raw: unknown): Result<Scorecard> {
  if (!isObject(raw)) return fail('SCORECARD_SHAPE', 'a scorecard is an object', 'scorecard');
  for (const key of ['id', 'name', 'version'] as const) {
    if (typeof raw[key] !== 'string' || raw[key] === '') return fail('SCORECARD_SHAPE', `scorecard.${key} must be a non-empty string`, key);
  }
  if (raw.purpose !== 'application' && raw.purpose !== 'behaviour') return fail('SCORECARD_SHAPE', 'scorecard.purpose must be application or behaviour', 'purpose');
  if (!isFiniteNumber(raw.basePoints)) return fail('SCORECARD_POINTS_INVALID', 'basePoints must be a finite number', 'basePoints');
  if (!Array.isArray(raw.variables) || raw.variables.length === 0) return fail('SCORECARD_SHAPE', 'scorecard.variables must be a non-empty list', 'variables');
  let scaling: ScoreScalingParams | undefined;
  if (raw.scaling !== undefined) {
    const s = validateScalingParams(raw.scaling);
    if (!s.ok) return s;
    scaling = s.value;
  }
  const names = new Set<string>();
  const variables: ScorecardVariable[] = [];
  for (const [i, v] of raw.variables.entries()) {
    const r = validateVariable(v, `variables[${i}]`);
    if (!r.ok) return r;
    if (names.has(r.value.name)) return fail('SCORECARD_DUPLICATE_VARIABLE', `variable ${r.value.name} appears twice`, `variables[${i}]`);
    names.add(r.value.name);
    variables.push(r.value);
  }
  return ok(
    deepFreeze({
      id: raw.id as string,
      name: raw.name as string,
      version: raw.version as string,
      purpose: raw.purpose,
      illustrative: raw.illustrative === true,
      ...(typeof raw.description === 'string' ? { description: raw.description } : {}),
      basePoints: raw.basePoints,
      ...(scaling === undefined ? {} : { scaling }),
      variables,
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Scoring, through a compiled form cached per card object

interface CompiledVariable {
  readonly name: string;
  readonly numeric: boolean;
  /** Numeric: ascending lower bounds (−∞ for null) and the upper bound of the last bin. */
  readonly los: Float64Array;
  readonly lastHi: number;
  readonly categories: ReadonlyMap<string, number>;
  readonly points: Float64Array;
  readonly labels: readonly string[];
  readonly missingPoints: number;
  readonly elsePoints: number;
  readonly maxPoints: number;
  readonly reasonCode: string | undefined;
}

export interface CompiledScorecard {
  readonly card: Scorecard;
  readonly variables: readonly CompiledVariable[];
}

const compiled = new WeakMap<Scorecard, CompiledScorecard>();

/** Validates (once per card object) and precompiles a card for fast lookups; throws RangeError on an invalid card (load untrusted cards with loadScorecard first). */
export function compileScorecard(card: Scorecard): CompiledScorecard {
  const hit = compiled.get(card);
  if (hit !== undefined) return hit;
  const checked = loadScorecard(card);
  if (!checked.ok) throw new RangeError(`invalid scorecard ${String(card?.id)}: ${checked.error.code} ${checked.error.message}`);
  const variables = checked.value.variables.map((v): CompiledVariable => {
    const missingPoints = v.missing.points;
    const elsePoints = v.else === undefined ? missingPoints : v.else.points;
    const points = Float64Array.from((v.bins as readonly { points: number }[]).map((b) => b.points));
    const maxPoints = Math.max(missingPoints, elsePoints, ...points);
    const reasonCode = v.reasonCode;
    if (v.kind === 'numeric') {
      const last = v.bins[v.bins.length - 1] as NumericBin;
      return {
        name: v.name, numeric: true,
        los: Float64Array.from(v.bins, (b) => (b.lo === null ? -Infinity : b.lo)),
        lastHi: last.hi === null ? Infinity : last.hi,
        categories: new Map(), points,
        labels: v.bins.map((b) => formatInterval(b.lo, b.hi)),
        missingPoints, elsePoints, maxPoints, reasonCode,
      };
    }
    const categories = new Map<string, number>();
    v.bins.forEach((b, i) => b.values.forEach((value) => categories.set(value, i)));
    return {
      name: v.name, numeric: false, los: new Float64Array(0), lastHi: Infinity, categories, points,
      labels: v.bins.map((b) => b.values.join(',')),
      missingPoints, elsePoints, maxPoints, reasonCode,
    };
  });
  const result = { card: checked.value, variables };
  compiled.set(card, result);
  return result;
}

const MISSING = -1;
const ELSE = -2;

function binIndex(v: CompiledVariable, value: FeatureValue): number {
  if (value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value))) return MISSING;
  if (v.numeric) {
    if (typeof value !== 'number') return ELSE;
    const los = v.los;
    if (value < (los[0] as number) || value >= v.lastHi) return ELSE;
    let i = los.length - 1;
    while (value < (los[i] as number)) i--;
    return i;
  }
  const i = v.categories.get(typeof value === 'string' ? value : String(value));
  return i === undefined ? ELSE : i;
}

/** Scores a feature vector: total and, per variable, the bin matched and its points. Throws only for an invalid card (programmer bug). */
export function score(card: Scorecard, features: FeatureVector): ScoreResult {
  const c = compileScorecard(card);
  let total = c.card.basePoints;
  const variables: VariableScore[] = new Array(c.variables.length);
  for (let k = 0; k < c.variables.length; k++) {
    const v = c.variables[k] as CompiledVariable;
    const value = features[v.name];
    const i = binIndex(v, value);
    const points = i === MISSING ? v.missingPoints : i === ELSE ? v.elsePoints : (v.points[i] as number);
    total += points;
    const bin = i === MISSING ? 'missing' : i === ELSE ? 'else' : (v.labels[i] as string);
    variables[k] = v.reasonCode === undefined
      ? { variable: v.name, value, bin, points, maxPoints: v.maxPoints }
      : { variable: v.name, value, bin, points, maxPoints: v.maxPoints, reasonCode: v.reasonCode };
  }
  return { total, basePoints: c.card.basePoints, variables };
}

/** Total only (no breakdown allocation): the same number `score()` returns as `total`. */
export function scoreTotal(card: Scorecard, features: FeatureVector): number {
  const c = compileScorecard(card);
  let total = c.card.basePoints;
  for (const v of c.variables) {
    const i = binIndex(v, features[v.name]);
    total += i === MISSING ? v.missingPoints : i === ELSE ? v.elsePoints : (v.points[i] as number);
  }
  return total;
}

/** The `n` variables that lost most points against their best bin (ties keep card order); for staff-facing explanations. */
export function adverseFactors(result: ScoreResult, n = 3): readonly VariableScore[] {
  return result.variables
    .map((v, i) => ({ v, i, lost: v.maxPoints - v.points }))
    .filter((x) => x.lost > 0)
    .sort((a, b) => b.lost - a.lost || a.i - b.i)
    .slice(0, n)
    .map((x) => x.v);
}

