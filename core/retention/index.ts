/** core/retention: the retention policy (periods, floors, modes) and which records are due under it. */
export * from './retentionPolicy.js';
export * from './retentionRules.js';
