import { csvOf } from '../http/csvFile.js';
import type { BorrowerExport } from './collectBorrowerExport.js';

export type ExportFormat = 'json' | 'csv';

/** A file to hand over: its name, type and body. */
export interface ExportFile {
  readonly fileName: string;
  readonly contentType: string;
  readonly body: string;
}

/** The file's name: the borrower's id and the day, nothing a person typed (so it is always safe). */
const fileName = (data: BorrowerExport, format: ExportFormat): string => `kuaidai-borrower-${data.borrowerId}-${data.generatedAt.slice(0, 10)}.${format}`;

/**
 * A borrower's export as one file. JSON: the document as it is. CSV: one file in long form, one line
 * per field (`section,row,field,value`), since no zip library is among our dependencies and one file
 * with every section opens in any spreadsheet; cells are quoted and a leading = + - @ is neutralised
 * (../http/csvFile.ts). A section without rows still has one line (row 0, no field) so it is seen.
 */
export function exportFile(data: BorrowerExport, format: ExportFormat): ExportFile {
  if (format === 'json') return { fileName: fileName(data, format), contentType: 'application/json; charset=utf-8', body: `${JSON.stringify(data, null, 2)}\n` };
  const lines: (string | number | null)[][] = [
    ['meta', 0, 'generatedAt', data.generatedAt],
    ['meta', 0, 'borrowerId', data.borrowerId],
  ];
  for (const section of data.sections) {
    if (!section.rows.length) lines.push([section.name, 0, null, null]);
    section.rows.forEach((row, i) => {
      for (const [field, value] of Object.entries(row)) lines.push([section.name, i + 1, field, typeof value === 'boolean' ? String(value) : value]);
    });
  }
  return { fileName: fileName(data, format), contentType: 'text/csv; charset=utf-8', body: csvOf(['section', 'row', 'field', 'value'], lines) };
}
