import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { StaffRole } from '../db/generated/client.js';
import type { Clock } from '../clock.js';
import type { PrismaClient } from '../db/index.js';
import { AppError } from '../errors.js';
import { STAFF_SECURITY, doc } from '../http/apiSchemas.js';
import { clientOrigin } from '../http/clientOrigin.js';
import { attachment } from '../http/csvFile.js';
import type { StaffAuth } from '../http/staffAuth.js';
import type { FieldCipher } from '../security/fieldCipher.js';
import { audit } from '../services/persistence.js';
import { collectBorrowerExport, sectionCounts } from './collectBorrowerExport.js';
import { exportFile } from './exportFiles.js';

/**
 * Who may hand a borrower their data: supervisors (客服主管), who take borrowers' requests and
 * escalations, and admins, who answer for data protection. Not agents: the file holds the unmasked
 * ID number and phone, which their daily work never shows them; not reviewers or managers, whose
 * work is decisions and marketing, not a borrower's request.
 */
export const EXPORT_ROLES: readonly StaffRole[] = ['supervisor', 'admin'];

const exportParams = z.object({ borrowerId: z.uuid({ error: 'must be a borrower id (UUID)' }) });
const exportBody = z.object({
  format: z.enum(['json', 'csv'], { error: 'must be json or csv' }),
  requestRef: z.string({ error: 'is required: the reference of the borrower’s request' }).trim().min(1, 'is required: the reference of the borrower’s request').max(64, 'must be at most 64 characters'),
});

export interface BorrowerExportRoutesDeps {
  readonly prisma: PrismaClient;
  readonly cipher: Pick<FieldCipher, 'decrypt'>;
  readonly clock: Clock;
  readonly auth: StaffAuth;
}

/**
 * `POST /api/v1/staff/borrowers/:borrowerId/export`: the borrower's data as a JSON or CSV download,
 * given on their request (PIPL art. 45). Audited as `borrower.data_exported` with who, the format,
 * the request's reference and how many rows each section had; never the data itself.
 */
export function borrowerExportRoutes(app: FastifyInstance, deps: BorrowerExportRoutesDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.post(
    '/api/v1/staff/borrowers/:borrowerId/export',
    {
      onRequest: deps.auth.require(...EXPORT_ROLES),
      schema: {
        ...doc('staff', 'A borrower’s data export (JSON or CSV), audited · 客户个人信息导出', STAFF_SECURITY, 'Roles: supervisor, admin. Answers the file as an attachment; the export is audited (borrower.data_exported) with the request reference and section counts.'),
        params: exportParams,
        body: exportBody,
      },
    },
    async (request, reply) => {
      const { borrowerId } = request.params;
      const { format, requestRef } = request.body;
      const now = deps.clock.now();
      const data = await collectBorrowerExport(deps.prisma, deps.cipher, borrowerId, now);
      if (!data) throw new AppError('BORROWER_NOT_FOUND', { borrowerId });
      const file = exportFile(data, format);
      const staff = request.staff!;
      const origin = clientOrigin(app, request);
      await audit(deps.prisma, {
        actorType: 'staff',
        actorId: staff.staffId,
        action: 'borrower.data_exported',
        subjectType: 'Borrower',
        subjectId: borrowerId,
        at: now.getTime(),
        detail: { username: staff.username, format, requestRef, sections: sectionCounts(data), ...(origin ? { origin } : {}) },
      });
      return reply.header('cache-control', 'no-store').header('content-disposition', attachment(file.fileName)).type(file.contentType).send(file.body);
    },
  );
}
