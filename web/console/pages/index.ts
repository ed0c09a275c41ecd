import type { PageDef } from '../page.js';

/**
 * Every page of the console, in navigation order. Add yours with one line (see ../PAGES.md); the
 * first page a person's roles allow is their start page.
 */
export const PAGES: readonly PageDef[] = [];
