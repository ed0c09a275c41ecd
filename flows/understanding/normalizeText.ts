import { textMemo } from './textMemo.js';

/** Full-width to half-width, lower case, no spaces or trailing punctuation: how we compare what people type. */
export const normalizeText: (text: string) => string = textMemo((text) =>
  text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\u3000]+/g, '')
    .replace(/[。！!？?，,、；;：:~～…—\-_.]+$/u, ''),
);
