import { describe, expect, it } from 'vitest';
import { createFieldCipher } from '../security/fieldCipher.js';
import { SandboxBehaviourData } from '../providers/index.js';
import { DAILY_JOBS } from './dailyJobs.js';
import { dailyJobsWithMonitoring } from './monitoringJobs.js';

describe('the business day with monitoring', () => {
  it('runs early warning right after the end-of-day batch, then renewal screening and the yearly review, then the rest', () => {
    const jobs = dailyJobsWithMonitoring({ behaviour: new SandboxBehaviourData({ info: () => {} }), cipher: createFieldCipher(Buffer.alloc(32, 7)) });
    expect(jobs.map((j) => j.name)).toEqual(['postloan.eod', 'postloan.warning', 'postloan.renewal', 'postloan.review', ...DAILY_JOBS.slice(1).map((j) => j.name)]);
    expect(jobs.every((j) => typeof j.cron === 'string')).toBe(true);
  });
});
