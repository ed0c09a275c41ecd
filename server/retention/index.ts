/** server/retention: the daily job that archives and deletes what has passed its retention period (docs/retention.md). */
export { ArchiveFile, readArchive, type ArchivedRow } from './archiveFile.js';
export { RETENTION_JOB, retentionJob } from './retentionJob.js';
export { runRetention, type RetentionCounts, type RetentionDeps, type RetentionOptions, type RetentionSummary } from './runRetention.js';
