/** server/borrowerExport: a borrower's own data as one file for staff to hand over on request (PIPL art. 45), audited. */
export { collectBorrowerExport, sectionCounts, EXPORT_SECTIONS, type BorrowerExport, type ExportSection, type ExportSectionName, type ExportRow, type ExportValue } from './collectBorrowerExport.js';
export { exportFile, type ExportFile, type ExportFormat } from './exportFiles.js';
export { borrowerExportRoutes, EXPORT_ROLES } from './borrowerExportRoutes.js';
