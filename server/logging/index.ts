export { createLogger, loggerOptions, REDACTED_PATHS } from './createLogger.js';
export { scrubPii } from './scrubPii.js';
