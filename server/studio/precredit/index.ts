/** Batch pre-credit (无感授信): a customer file scored through the core decision into a whitelist with reasons. */
export { csvRecords, type CsvRecord } from './csvRecords.js';
export { PRECREDIT_COLUMNS, readHeader, readRow, type ColumnKey, type PrecreditRow } from './precreditColumns.js';
export { CHECKED_AT_ACTIVATION, precreditProfile, precreditRequest, scorePrecredit, type PrecreditScore } from './scorePrecredit.js';
export { excludedByReason, fingerprint, MAX_ERRORS, PrecreditFailure, runPrecredit, type PrecreditDeps, type PrecreditError, type PrecreditFile, type PrecreditOptions, type PrecreditProgress, type PrecreditResult } from './runPrecredit.js';
export { syntheticCustomerCsv } from './syntheticCustomers.js';
