import { coreError, err, ok, type Result } from '../result.js';
import type { Scorecard } from './scorecard.js';
import { CardAssembler, isRecord, parseIntervalLabel, parsePoints, type BinToken, type ScorecardImportOptions } from './scorecardImport.js';

/**
 * toad `ScoreCard.export()` JSON: `{ feature: { binLabel: points } }` with labels `[-inf ~ 10)`,
 * `[10 ~ inf)`, `nan`, `else`, categorical `A,B` (a `nan` inside a list puts missing values in
 * that bin). Tokens are trimmed. toad spreads the intercept over the features: base points 0.
 */

function tokens(label: string, where: string): Result<BinToken[]> {
  const l = label.trim();
  if (l === 'else') return ok([{ kind: 'else' }]);
  const interval = parseIntervalLabel(l);
  if (interval !== null) return interval.ok ? ok([{ kind: 'interval', ...interval.value }]) : interval;
  const parts = l.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length === 0) return err(coreError('SCORECARD_IMPORT_BIN_LABEL', `${where}: empty bin label`, 'bin'));
  return ok(parts.map((p): BinToken => (p === 'nan' ? { kind: 'missing' } : { kind: 'category', value: p })));
}

/** Builds a validated card from a toad export map. */
export function importToadCard(exported: unknown, options: ScorecardImportOptions): Result<Scorecard> {
  if (!isRecord(exported)) return err(coreError('SCORECARD_IMPORT_SHAPE', 'expected {feature: {binLabel: points}}', 'card'));
  const card = new CardAssembler();
  for (const [feature, bins] of Object.entries(exported)) {
    if (!isRecord(bins)) return err(coreError('SCORECARD_IMPORT_SHAPE', `feature ${feature}: expected {binLabel: points}`, feature));
    for (const [label, rawPoints] of Object.entries(bins)) {
      const where = `${feature} '${label}'`;
      const points = parsePoints(rawPoints, where);
      if (!points.ok) return points;
      const t = tokens(label, where);
      if (!t.ok) return t;
      const added = card.add(feature, t.value, points.value, where);
      if (!added.ok) return added;
    }
  }
  return card.build(options, 0);
}
