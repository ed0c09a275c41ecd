/**
 * core/: the pure lending domain. Plain data in, plain data out: no I/O, clock, env or framework.
 * This file is the only entry other layers import.
 */
export * from './result.js';
export * from './calendar/index.js';
export * from './lending/index.js';
export * from './risk/index.js';
export * from './retention/index.js';
