/** What staff and borrowers type for a work order's number: GD20261205-0007, gd20261205 0007, GD202612050007. */
const WORK_ORDER_NUMBER = /GD\s*(\d{8})\s*[-－—]?\s*(\d{4,6})/i;

/** The work order's number in its canonical form (GD + date + "-" + at least four digits), or undefined when the text names none. */
export function workOrderNumberIn(text: string): string | undefined {
  const m = WORK_ORDER_NUMBER.exec(text.normalize('NFKC'));
  return m ? `GD${m[1]}-${String(Number(m[2])).padStart(4, '0')}` : undefined;
}
