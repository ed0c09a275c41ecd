import { describe, expect, it } from 'vitest';
import { importScorecardpyTable } from './importScorecardpy.js';
import { score } from './scorecard.js';

const meta = { id: 'imp', name: 'imported', version: '1' };

describe('importScorecardpyTable', () => {
  const rows = [
    { variable: 'basepoints', bin: null, points: 456 },
    { variable: 'age', bin: '[-inf,26.0)', points: -20 },
    { variable: 'age', bin: '[26.0,35.0)%,%missing', points: -5 },
    { variable: 'age', bin: '[35.0,inf)', points: 15 },
    { variable: 'purpose', bin: 'car%,%furniture', points: 8 },
    { variable: 'purpose', bin: 'education', points: -12 },
    { variable: 'purpose', bin: 'missing', points: 0 },
  ];

  it('imports base points, merged missing bins and %,% categories', () => {
    const r = importScorecardpyTable(rows, meta);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.basePoints).toBe(456);
    expect(score(r.value, { age: 40, purpose: 'furniture' }).total).toBe(456 + 15 + 8);
    expect(score(r.value, { age: null, purpose: 'education' }).total).toBe(456 - 5 - 12);
  });

  it('needs exactly one basepoints row', () => {
    const noBase = importScorecardpyTable(rows.slice(1), meta);
    expect(!noBase.ok && noBase.error.code).toBe('SCORECARD_IMPORT_SHAPE');
    const twice = importScorecardpyTable([rows[0], ...rows], meta);
    expect(!twice.ok && twice.error.code).toBe('SCORECARD_IMPORT_SHAPE');
    const badBin = importScorecardpyTable([rows[0], { variable: 'age', bin: '', points: 1 }], meta);
    expect(!badBin.ok && badBin.error.code).toBe('SCORECARD_IMPORT_SHAPE');
  });
});
