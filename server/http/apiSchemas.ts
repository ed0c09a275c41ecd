import { z } from 'zod';

/**
 * What the route schemas share for the API document (/docs): the error body, the ways in, and the
 * tags. Responses are documented, not enforced: the serializer writes what the handler returned
 * (server/http/installApiDocs.ts); test/openApi.test.ts checks answers against these schemas.
 */

/** Every failure: `{ error: { code, message, field? } }` (server/errors.ts). */
export const errorBody = z
  .object({
    error: z.object({
      code: z.string().describe('Stable code from the registry in server/errors.ts, e.g. VALIDATION_FAILED'),
      message: z.string().describe('English message; clients show their own words per code'),
      field: z.string().optional().describe('The request field that failed, for VALIDATION_FAILED'),
    }),
  })
  .meta({ id: 'Error' });

/** 4xx and 5xx answers are all the error body. */
export const errorResponses = { '4xx': errorBody, '5xx': errorBody } as const;

/** The REST chat's bearer token (CHAT_API_TOKEN; none configured means none asked). */
export const CHAT_SECURITY = [{ chatToken: [] }];
/** A person's console session cookie (state-changing requests add X-CSRF-Token), or STAFF_API_TOKEN. */
export const STAFF_SECURITY = [{ staffSession: [] }, { staffToken: [] }];
/** No login. */
export const PUBLIC: [] = [];

/** Tag names and what they group, in the document's order. */
export const API_TAGS = [
  { name: 'chat', description: 'Conversation with the assistant over REST (a bank’s own app) · 对话接口' },
  { name: 'quote', description: 'Loan calculator: schedule, interest, APR · 贷款试算' },
  { name: 'health', description: 'Liveness and readiness · 健康检查' },
  { name: 'staff', description: 'Hand-off: conversations, transcripts, takeover · 人工接管' },
  { name: 'staff-accounts', description: 'Staff login, sessions and accounts · 员工账号' },
  { name: 'audit', description: 'Audit log · 审计日志' },
  { name: 'work-orders', description: 'Work orders and staff notices · 工单' },
  { name: 'risk', description: 'Early-warning signals · 风险预警' },
  { name: 'reviews', description: 'Manual review · 人工审批' },
  { name: 'jobs', description: 'Scheduled jobs and the demo clock · 定时任务' },
  { name: 'studio', description: 'Managers’ studio: branches, codes, campaigns, funnels, dashboards, pre-credit · 营销工作台' },
  { name: 'console', description: 'Staff console: page, live feed, queue, workspace · 坐席工作台' },
  { name: 'web-chat', description: 'The web chat page and its session · 网页聊天' },
  { name: 'channels', description: 'Callbacks of messaging platforms · 渠道回调' },
  { name: 'operations', description: 'Metrics for the operations team · 运维监控' },
] as const;

export type ApiTag = (typeof API_TAGS)[number]['name'];

/** The part of a route's schema the document shows: tag, summary, ways in. */
export const doc = (tag: ApiTag, summary: string, security: readonly object[], description?: string) => ({
  tags: [tag],
  summary,
  security: [...security] as { [name: string]: string[] }[],
  ...(description ? { description } : {}),
});
