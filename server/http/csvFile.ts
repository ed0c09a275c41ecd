/** CSV downloads for staff (audit log, funnels, dashboards, pre-credit exclusions): one writer, safe in Excel. */
/** The byte-order mark that makes Excel read a CSV file as UTF-8 (Chinese shows correctly when opened by double-click). */
export const UTF8_BOM = '\uFEFF';

/** One CSV cell: quoted when it holds a comma, quote or line break; a leading =, +, - or @ is prefixed with ' so a spreadsheet never runs it as a formula. */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** A CSV file for Excel: BOM, the header row (Chinese first, then English), one row per record, CRLF line ends (RFC 4180). */
export function csvOf(headers: readonly string[], rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  return UTF8_BOM + [headers, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** The Content-Disposition of a download, with an ASCII name and the UTF-8 one (RFC 6266). */
export const attachment = (fileName: string): string => `attachment; filename="${fileName.replace(/[^\x20-\x7e]/g, '_').replaceAll('"', '')}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
