/** Full-width to half-width, lower case, no spaces or trailing punctuation: how we compare what people type. */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\u3000]+/g, '')
    .replace(/[。！!？?，,、；;：:~～…—\-_.]+$/u, '');
}
