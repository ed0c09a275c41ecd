import { z } from 'zod';

/** What the risk API answers (server/http/riskRoutes.ts), checked on arrival. */
export const signalSchema = z.object({
  id: z.string(),
  businessDate: z.string(),
  level: z.enum(['red', 'orange', 'yellow']),
  status: z.enum(['open', 'confirmed', 'cleared']),
  behaviourScore: z.number().nullable(),
  branch: z.string().nullable(),
  manager: z.object({ id: z.string(), name: z.string() }).nullable(),
  borrower: z.object({ name: z.string().nullable(), phone: z.string().nullable(), enterpriseName: z.string().nullable() }),
  line: z.object({ id: z.string(), productId: z.string(), status: z.string(), freezeReason: z.string().nullable(), dpd: z.number(), bucket: z.string(), loanClass: z.string(), limitFen: z.number(), outstandingFen: z.number() }),
  reasons: z.array(z.object({ code: z.string(), level: z.string(), zh: z.string(), en: z.string(), detail: z.string() })),
  reviewedBy: z.string().nullable(),
  reviewedAt: z.string().nullable(),
  reviewNote: z.string().nullable(),
});
export type Signal = z.infer<typeof signalSchema>;

export const listSchema = z.object({
  counts: z.object({ red: z.number(), orange: z.number(), yellow: z.number() }),
  signals: z.array(signalSchema),
  branches: z.array(z.string()),
  managers: z.array(z.object({ id: z.string(), name: z.string() })),
});

export const judgedSchema = z.object({
  id: z.string(),
  status: z.enum(['confirmed', 'cleared']),
  alsoReviewed: z.array(z.string()),
  line: z.object({ status: z.string(), freezeReason: z.string().nullable(), unfrozen: z.boolean(), keptFrozenBecause: z.string().optional() }),
});
