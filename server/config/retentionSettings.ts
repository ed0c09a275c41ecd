import path from 'node:path';
import { RETENTION_KINDS, validateRetentionPolicy, DEFAULT_RETENTION_POLICY, type RetentionKind, type RetentionMode, type RetentionPolicy } from '../../core/index.js';
import { ConfigError } from './configError.js';

/** How long each kind of record is kept, whether it is archived before deletion, and where archives go (docs/retention.md). */
export interface RetentionConfig {
  readonly policy: RetentionPolicy;
  /** RETENTION_ARCHIVE_DIR, resolved: the retention job's gzip JSON Lines files. */
  readonly archiveDir: string;
  /** RETENTION_JOB_DAYS: finished rows of the Job table are kept this long (the job runner's own completed jobs may use it too). */
  readonly jobDays: number;
}

export interface RetentionSettings {
  readonly RETENTION_CONVERSATION_DAYS: number;
  readonly RETENTION_CONTACT_LOG_DAYS: number;
  readonly RETENTION_CONSENT_DAYS: number;
  readonly RETENTION_LOAN_YEARS: number;
  readonly RETENTION_AUDIT_DAYS: number;
  readonly RETENTION_IDEMPOTENCY_DAYS: number;
  readonly RETENTION_JOB_DAYS: number;
  readonly RETENTION_TECHNICAL_DAYS: number;
  readonly RETENTION_ARCHIVE_DIR?: string | undefined;
  readonly RETENTION_MODES?: string | undefined;
}

/** The setting each kind's period comes from, for the error that names it. */
const PERIOD_SETTINGS: Readonly<Record<RetentionKind, keyof RetentionSettings>> = {
  conversations: 'RETENTION_CONVERSATION_DAYS',
  contactLogs: 'RETENTION_CONTACT_LOG_DAYS',
  consents: 'RETENTION_CONSENT_DAYS',
  loanRecords: 'RETENTION_LOAN_YEARS',
  audit: 'RETENTION_AUDIT_DAYS',
  idempotency: 'RETENTION_IDEMPOTENCY_DAYS',
  jobs: 'RETENTION_JOB_DAYS',
  technical: 'RETENTION_TECHNICAL_DAYS',
};

/** `idempotency=archive,conversations=delete`: the kinds named replace their default mode. */
function parseModes(value: string | undefined): Record<RetentionKind, RetentionMode> {
  const modes = { ...DEFAULT_RETENTION_POLICY.modes };
  for (const entry of (value ?? '').split(/[,，\s]+/).filter(Boolean)) {
    const m = /^([A-Za-z]+)=(archive|delete)$/.exec(entry);
    if (!m) throw new ConfigError('RETENTION_MODES', `"${entry}" must be kind=archive or kind=delete, e.g. jobs=delete`);
    const kind = m[1] as RetentionKind;
    if (!RETENTION_KINDS.includes(kind)) throw new ConfigError('RETENTION_MODES', `unknown kind "${m[1]}" (${RETENTION_KINDS.join(', ')})`);
    modes[kind] = m[2] as RetentionMode;
  }
  return modes;
}

/** Validates the retention settings against the floors the rules set (loadConfig's part for retention). */
export function parseRetentionSettings(raw: RetentionSettings, dataDir: string, cwd: string): RetentionConfig {
  const policy: RetentionPolicy = {
    periods: {
      conversations: { days: raw.RETENTION_CONVERSATION_DAYS },
      contactLogs: { days: raw.RETENTION_CONTACT_LOG_DAYS },
      consents: { days: raw.RETENTION_CONSENT_DAYS },
      loanRecords: { years: raw.RETENTION_LOAN_YEARS },
      audit: { days: raw.RETENTION_AUDIT_DAYS },
      idempotency: { days: raw.RETENTION_IDEMPOTENCY_DAYS },
      jobs: { days: raw.RETENTION_JOB_DAYS },
      technical: { days: raw.RETENTION_TECHNICAL_DAYS },
    },
    modes: parseModes(raw.RETENTION_MODES),
  };
  const valid = validateRetentionPolicy(policy);
  if (!valid.ok) throw new ConfigError(PERIOD_SETTINGS[valid.error.field], valid.error.message);
  const archiveDir = raw.RETENTION_ARCHIVE_DIR === undefined ? path.join(dataDir, 'archive') : path.resolve(cwd, raw.RETENTION_ARCHIVE_DIR);
  return { policy: valid.value, archiveDir, jobDays: raw.RETENTION_JOB_DAYS };
}
