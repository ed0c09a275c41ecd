import { coreError, err, ok, type Result } from '../result.js';
import type { Scorecard } from './scorecard.js';
import { CardAssembler, isRecord, parseIntervalLabel, parsePoints, type BinToken, type ScorecardImportOptions } from './scorecardImport.js';

/**
 * optbinning `Scorecard.table(style="summary")` rows, e.g. from
 * `df.to_json(orient="records")`: `{ Variable, Bin, Points }`. Bins: `(-inf, 2.50)`,
 * `[2.50, 5.00)`, `[5.00, inf)`, `Missing`, `Special`, categorical `['A' 'B']` (or a JSON list).
 * `Missing` → the missing bin; `Special` → the else bin (special codes must be mapped to a value
 * outside the bins, or to missing, before scoring). optbinning spreads the intercept over the
 * variables, so base points default to 0.
 */

function parseNumpyList(text: string): string[] | null {
  const t = text.trim();
  if (!t.startsWith('[') || !t.endsWith(']')) return null;
  const inner = t.slice(1, -1).trim();
  if (inner === '') return [];
  const out: string[] = [];
  const re = /'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|([^\s,'"]+)/g;
  for (let m = re.exec(inner); m !== null; m = re.exec(inner)) out.push(m[1] ?? m[2] ?? (m[3] as string));
  return out;
}

function tokens(bin: unknown, where: string): Result<BinToken[]> {
  if (Array.isArray(bin)) {
    if (bin.length === 0) return err(coreError('SCORECARD_IMPORT_BIN_LABEL', `${where}: empty category list`, 'Bin'));
    return ok(bin.map((v) => ({ kind: 'category', value: String(v) })));
  }
  if (typeof bin !== 'string') return err(coreError('SCORECARD_IMPORT_SHAPE', `${where}: Bin must be a string or a list`, 'Bin'));
  const label = bin.trim();
  if (label === 'Missing') return ok([{ kind: 'missing' }]);
  if (label === 'Special') return ok([{ kind: 'else' }]);
  const interval = parseIntervalLabel(label);
  if (interval !== null) return interval.ok ? ok([{ kind: 'interval', ...interval.value }]) : interval;
  const list = parseNumpyList(label);
  if (list === null || list.length === 0) return err(coreError('SCORECARD_IMPORT_BIN_LABEL', `${where}: bin '${label}' is neither an interval, a category list, Missing nor Special`, 'Bin'));
  return ok(list.map((value) => ({ kind: 'category', value })));
}

/** Builds a validated card from optbinning summary rows; rows with Variable `''`/Totals are rejected. */
export function importOptbinningTable(rows: unknown, options: ScorecardImportOptions): Result<Scorecard> {
  if (!Array.isArray(rows)) return err(coreError('SCORECARD_IMPORT_SHAPE', 'expected a list of {Variable, Bin, Points} rows', 'rows'));
  const card = new CardAssembler();
  for (const [i, row] of rows.entries()) {
    const where = `row ${i}`;
    if (!isRecord(row) || typeof row.Variable !== 'string') return err(coreError('SCORECARD_IMPORT_SHAPE', `${where}: expected {Variable, Bin, Points}`, 'Variable'));
    const points = parsePoints(row.Points, where);
    if (!points.ok) return points;
    const t = tokens(row.Bin, where);
    if (!t.ok) return t;
    const added = card.add(row.Variable, t.value, points.value, where);
    if (!added.ok) return added;
  }
  return card.build(options, 0);
}
