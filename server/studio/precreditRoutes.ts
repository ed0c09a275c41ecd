import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { loadCatalog } from '../catalog/loadCatalog.js';
import { AppError } from '../errors.js';
import { clientOrigin } from '../http/clientOrigin.js';
import { attachment, csvOf } from '../http/csvFile.js';
import { audit } from '../services/persistence.js';
import type { StudioDeps } from './installStudio.js';
import { excludedByReason, PrecreditFailure, runPrecredit, type PrecreditProgress } from './precredit/index.js';
import { STAFF_SECURITY, doc } from '../http/apiSchemas.js';

/** Uploads above this are refused with PRECREDIT_FILE_TOO_LARGE (≈ 450,000 customers); bigger files go through `npm run precredit`. */
export const PRECREDIT_UPLOAD_LIMIT = 64 * 1024 * 1024;
const PAGE_MAX = 200;

const uploadQuery = z.object({
  fileName: z.string().trim().min(1).max(200).default('customers.csv'),
  productId: z.string().trim().min(1).max(100).optional(),
  expiresDays: z.coerce.number().int('must be a whole number of days').min(1).max(365).default(90),
});
const idParams = z.object({ id: z.uuid({ error: 'must be a batch id (UUID)' }) });
const entriesQuery = z.object({
  outcome: z.enum(['whitelisted', 'excluded']).optional(),
  reason: z.string().trim().regex(/^[A-Z_]{1,64}$/, 'must be a reason code such as SCORE_BELOW_CUTOFF').optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(PAGE_MAX).default(50),
});

/**
 * 预授信 / Pre-credit in the console: admins upload a customer file (the request body, text/csv,
 * up to 64 MB) and it is scored in the server by the same code as `npm run precredit`; the answer
 * comes as soon as the batch exists and the page polls its progress. Batches, their whitelist and
 * exclusions (masked, paginated, filtered) and the exclusions' CSV are for admins and supervisors.
 * Upload and export are audited (precredit.uploaded, precredit.exported).
 */
export function precreditRoutes(app: FastifyInstance, deps: StudioDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const admin = deps.auth.require('admin');
  const viewers = deps.auth.require('admin', 'supervisor');
  const prisma = () => deps.app.db.prisma;
  /** The run in this process (one at a time: PGlite serialises writes anyway) and its last progress. */
  let current: { batchId: string | null; progress: PrecreditProgress | null } | null = null;
  const audited = (request: FastifyRequest, action: string, subjectId: string, detail: Record<string, unknown>) => {
    const origin = clientOrigin(app, request);
    return audit(prisma(), { actorType: 'staff', actorId: request.staff!.staffId, action, subjectType: 'PrecreditBatch', subjectId, at: deps.app.clock.now().getTime(), detail: { ...detail, ...(origin ? { origin } : {}) } });
  };
  const summary = (b: { id: string; fileName: string; productId: string; status: string; total: number; processed: number; whitelisted: number; excluded: number; rejected: number; expiresAt: Date; startedAt: Date; finishedAt: Date | null }) => ({
    id: b.id, fileName: b.fileName, productId: b.productId, status: b.status, total: b.total, processed: b.processed,
    whitelisted: b.whitelisted, excluded: b.excluded, rejected: b.rejected,
    expiresAt: b.expiresAt.toISOString(), startedAt: b.startedAt.toISOString(), finishedAt: b.finishedAt?.toISOString() ?? null,
    scoring: current?.batchId === b.id,
  });
  const batchOr404 = async (id: string) => {
    const b = await prisma().precreditBatch.findUnique({ where: { id } });
    if (!b) throw new AppError('PRECREDIT_BATCH_NOT_FOUND', { id });
    return b;
  };

  void app.register(async (scope) => {
    scope.addContentTypeParser(['text/csv', 'text/plain', 'application/octet-stream'], { parseAs: 'buffer', bodyLimit: PRECREDIT_UPLOAD_LIMIT }, (_request, body, done) => done(null, body));
    const tooLarge = async (request: FastifyRequest) => {
      if (Number(request.headers['content-length'] ?? 0) > PRECREDIT_UPLOAD_LIMIT) throw new AppError('PRECREDIT_FILE_TOO_LARGE', { limitMb: PRECREDIT_UPLOAD_LIMIT / 1024 / 1024 });
    };

    scope.withTypeProvider<ZodTypeProvider>().post('/api/v1/staff/studio/precredit', { onRequest: [admin, tooLarge], bodyLimit: PRECREDIT_UPLOAD_LIMIT, schema: { ...doc('studio', 'Upload a pre-credit file (CSV) to score in the background · 上传预授信名单', STAFF_SECURITY, 'Roles: admin. The body is the file itself (text/csv); an upload of the same file resumes it.'), querystring: uploadQuery } }, async (request, reply) => {
      const q = request.query;
      const body = request.body;
      if (!Buffer.isBuffer(body) || body.length === 0) throw new AppError('PRECREDIT_FILE_EMPTY');
      if (current) throw new AppError('PRECREDIT_BUSY', { reason: current.batchId ? `batch ${current.batchId}` : 'starting' });
      const run = { batchId: null as string | null, progress: null as PrecreditProgress | null };
      current = run;
      const started = new Promise<{ batchId: string; resumedFrom: number }>((resolve, reject) => {
        const products = loadCatalog(deps.app.config).then((c) => c.products);
        void products.then((list) =>
          runPrecredit(
            { db: deps.app.db, cipher: deps.app.cipher, clock: deps.app.clock, products: list },
            { fileName: q.fileName, chunks: async function* () { yield body; } },
            {
              productId: q.productId, expiresDays: q.expiresDays, createdById: request.staff!.staffId,
              onBatch: (batchId, resumedFrom) => {
                run.batchId = batchId;
                resolve({ batchId, resumedFrom });
              },
              onProgress: (p) => {
                run.progress = p;
              },
            },
          ),
        ).then(
          (r) => {
            deps.app.logger.info({ batchId: r.batchId, status: r.status, processed: r.processed, whitelisted: r.whitelisted, excluded: r.excluded, rejected: r.rejected }, 'pre-credit batch scored');
            if (!r.alreadyDone) app.deps.jobs?.maintenance?.afterBulk('pre-credit import');
          },
          (e: unknown) => {
            reject(e instanceof PrecreditFailure ? new AppError(e.code === 'BUSY' ? 'PRECREDIT_BUSY' : 'PRECREDIT_REFUSED', { reason: e.message }) : e);
            if (!(e instanceof PrecreditFailure)) deps.app.logger.error({ err: e, batchId: run.batchId }, 'pre-credit batch stopped: upload the same file again to resume');
          },
        ).finally(() => {
          if (current === run) current = null;
        });
      });
      const { batchId, resumedFrom } = await started;
      await audited(request, 'precredit.uploaded', batchId, { fileName: q.fileName, bytes: body.length, resumedFrom });
      const batch = await batchOr404(batchId);
      return reply.code(202).send({ batch: summary(batch), resumedFrom, alreadyDone: batch.status !== 'running' && current?.batchId !== batchId });
    });
  });

  api.get('/api/v1/staff/studio/precredit', { onRequest: viewers, schema: { ...doc('studio', 'Pre-credit batches · 预授信批次', STAFF_SECURITY, 'Roles: admin, supervisor.') } }, async () => {
    const batches = await prisma().precreditBatch.findMany({ orderBy: { startedAt: 'desc' }, take: 50 });
    return { batches: batches.map(summary) };
  });

  api.get('/api/v1/staff/studio/precredit/:id', { onRequest: viewers, schema: { ...doc('studio', 'One pre-credit batch with its progress · 批次详情', STAFF_SECURITY, 'Roles: admin, supervisor.'), params: idParams } }, async (request) => {
    const { id } = request.params;
    const b = await batchOr404(id);
    return { batch: summary(b), errors: b.errors, excludedByReason: await excludedByReason(prisma(), id) };
  });

  api.get('/api/v1/staff/studio/precredit/:id/entries', { onRequest: viewers, schema: { ...doc('studio', 'A batch’s customers, masked, filtered · 预授信客户', STAFF_SECURITY, 'Roles: admin, supervisor.'), params: idParams, querystring: entriesQuery } }, async (request) => {
    const { id } = request.params;
    const q = request.query;
    await batchOr404(id);
    const where = { batchId: id, ...(q.outcome ? { outcome: q.outcome } : {}), ...(q.reason ? { reasons: { has: q.reason } } : {}) };
    const [total, rows] = await Promise.all([
      prisma().precreditEntry.count({ where }),
      prisma().precreditEntry.findMany({ where, orderBy: { rowNo: 'asc' }, skip: (q.page - 1) * q.pageSize, take: q.pageSize }),
    ]);
    return {
      total, page: q.page, pageSize: q.pageSize,
      entries: rows.map((e) => ({
        rowNo: e.rowNo, customerRef: e.customerRef, nameMasked: e.nameMasked, phoneMasked: e.phoneMasked, branch: e.branch, managerCode: e.managerCode,
        outcome: e.outcome, limitFen: e.limitFen === null ? null : Number(e.limitFen), ratePpm: e.ratePpm, score: e.score, grade: e.grade, reasons: e.reasons,
        activatedAt: e.activatedAt?.toISOString() ?? null,
      })),
    };
  });

  api.get('/api/v1/staff/studio/precredit/:id/exclusions.csv', { onRequest: viewers, schema: { ...doc('studio', 'A batch’s exclusions as CSV · 排除名单', STAFF_SECURITY, 'Roles: admin, supervisor.'), params: idParams } }, async (request, reply) => {
    const { id } = request.params;
    const b = await batchOr404(id);
    const header = ['行号 rowNo', '客户号 customerRef', '姓名 name', '手机号 mobile', '网点 branch', '客户经理 managerCode', '评分 score', '原因 reasons'];
    const lines: (string | number | null)[][] = [];
    let after = 0;
    for (;;) {
      const rows = await prisma().precreditEntry.findMany({ where: { batchId: id, outcome: 'excluded', rowNo: { gt: after } }, orderBy: { rowNo: 'asc' }, take: 5_000 });
      if (!rows.length) break;
      for (const e of rows) lines.push([e.rowNo, e.customerRef, e.nameMasked, e.phoneMasked, e.branch, e.managerCode, e.score, e.reasons.join(' ')]);
      after = rows[rows.length - 1]!.rowNo;
    }
    await audited(request, 'precredit.exported', id, { rows: lines.length, fileName: b.fileName });
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', attachment(`precredit-exclusions-${id.slice(0, 8)}.csv`))
      .send(csvOf(header, lines));
  });
}
