import type { Fen } from './roundFen.js';

/** Absolute sanity bounds of the lending core; products apply tighter ones. */

/** Principal and credit limits: more than 0 and at most 100,000,000 yuan. */
export const MAX_PRINCIPAL_FEN: Fen = 10_000_000_000;
/** Terms: 1 to 360 whole months. */
export const MIN_TERM_MONTHS = 1;
export const MAX_TERM_MONTHS = 360;
/** Annual rates: above 0 and at most 36%. */
export const MAX_ANNUAL_RATE = 0.36;
