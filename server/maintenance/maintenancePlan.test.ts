import { describe, expect, it } from 'vitest';
import { maintenancePlan } from './maintenancePlan.js';

const MB = 2 ** 20;
const t = { checkpointWalBytes: 64 * MB, vacuumWalBytes: 256 * MB, quietBusyShare: 0.5 };
const state = { walSinceCheckpoint: 0, walSinceVacuum: 0, busyShare: 0, full: false };

describe('maintenancePlan', () => {
  it('does nothing while little was written', () => {
    expect(maintenancePlan({ ...state, walSinceCheckpoint: 10 * MB, walSinceVacuum: 10 * MB }, t)).toEqual({ vacuum: 'none', analyze: false, checkpoint: false, reasons: [] });
  });

  it('checkpoints once the log since the last checkpoint passes its threshold, busy or not', () => {
    const plan = maintenancePlan({ ...state, walSinceCheckpoint: 65 * MB, walSinceVacuum: 65 * MB, busyShare: 0.95 }, t);
    expect(plan).toMatchObject({ vacuum: 'none', checkpoint: true });
  });

  it('vacuums the hot tables at a quiet moment once enough changed, and checkpoints after', () => {
    expect(maintenancePlan({ ...state, walSinceVacuum: 300 * MB, busyShare: 0.2 }, t)).toMatchObject({ vacuum: 'hot', checkpoint: true });
    // Busy: it waits …
    expect(maintenancePlan({ ...state, walSinceVacuum: 300 * MB, busyShare: 0.8 }, t)).toMatchObject({ vacuum: 'none', checkpoint: false });
    // … but not for ever: four times the volume, it vacuums anyway.
    expect(maintenancePlan({ ...state, walSinceVacuum: 1024 * MB, busyShare: 0.99 }, t)).toMatchObject({ vacuum: 'hot', checkpoint: true });
  });

  it('analyzes on the first run after a start, when it does not know what changed', () => {
    expect(maintenancePlan({ ...state, walSinceVacuum: null }, t)).toMatchObject({ vacuum: 'none', analyze: true });
  });

  it('vacuums the whole database on a full pass (nightly, after bulk work)', () => {
    expect(maintenancePlan({ ...state, walSinceVacuum: null, full: true, busyShare: 1 }, t)).toMatchObject({ vacuum: 'all', checkpoint: true });
  });
});
