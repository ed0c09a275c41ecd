import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETENTION_POLICY } from '../../core/index.js';
import { ConfigError, loadConfig } from './loadConfig.js';

const load = (env: Record<string, string>) => loadConfig({ KUAIDAI_ENV: 'test', ...env }, '/srv/kuaidai');
const refusal = (env: Record<string, string>): string | undefined => {
  try {
    load(env);
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message;
  }
};

describe('retention settings', () => {
  it('default to the documented policy, archives beside the embedded database', () => {
    const { retention } = load({});
    expect(retention.policy).toEqual(DEFAULT_RETENTION_POLICY);
    expect(retention.archiveDir).toBe(path.resolve('/srv/kuaidai', '.data', 'archive'));
    expect(retention.jobDays).toBe(7);
  });

  it('reads periods, modes and the archive directory', () => {
    const { retention } = load({ RETENTION_CONVERSATION_DAYS: '400', RETENTION_LOAN_YEARS: '10', RETENTION_JOB_DAYS: '3', RETENTION_MODES: 'jobs=archive,conversations=delete', RETENTION_ARCHIVE_DIR: 'exports' });
    expect(retention.policy.periods.conversations).toEqual({ days: 400 });
    expect(retention.policy.periods.loanRecords).toEqual({ years: 10 });
    expect(retention.policy.modes).toMatchObject({ jobs: 'archive', conversations: 'delete', audit: 'archive', idempotency: 'delete' });
    expect(retention.archiveDir).toBe('/srv/kuaidai/exports');
    expect(retention.jobDays).toBe(3);
  });

  it('refuses a period below the rule, naming the setting and the rule', () => {
    expect(refusal({ RETENTION_CONTACT_LOG_DAYS: '729' })).toMatch(/^RETENTION_CONTACT_LOG_DAYS: .*2 years/);
    expect(refusal({ RETENTION_LOAN_YEARS: '4' })).toMatch(/^RETENTION_LOAN_YEARS: .*5 years after settlement/);
    expect(refusal({ RETENTION_AUDIT_DAYS: '90' })).toMatch(/^RETENTION_AUDIT_DAYS: .*6 months.*网络安全法/);
    expect(refusal({ RETENTION_IDEMPOTENCY_DAYS: '0' })).toMatch(/^RETENTION_IDEMPOTENCY_DAYS/);
    expect(refusal({ RETENTION_MODES: 'ledger=delete' })).toMatch(/^RETENTION_MODES: unknown kind/);
    expect(refusal({ RETENTION_MODES: 'jobs=shred' })).toMatch(/^RETENTION_MODES/);
  });
});
