/**
 * The one registry of error codes the server speaks: each has an HTTP status and an English message
 * template; `messageZh` is what a borrower or staff user may read. Infrastructure failures and bugs
 * throw AppError; expected outcomes stay values and never come here.
 */
export const ERRORS = {
  CONFIG_INVALID: { status: 500, message: 'Configuration setting {setting} is invalid: {reason}', messageZh: '配置错误' },
  VALIDATION_FAILED: { status: 400, message: '{field}: {reason}', messageZh: '请求参数有误' },
  BODY_INVALID: { status: 400, message: 'The request body could not be read: {reason}', messageZh: '请求内容无法解析' },
  BODY_TOO_LARGE: { status: 413, message: 'The request body is larger than allowed', messageZh: '请求内容过大' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported content type {type}', messageZh: '不支持的内容类型' },
  NOT_FOUND: { status: 404, message: 'No route {method} {url}', messageZh: '未找到' },
  UNAUTHORIZED: { status: 401, message: 'Authentication required', messageZh: '请先登录' },
  FORBIDDEN: { status: 403, message: 'Not allowed: {reason}', messageZh: '没有权限' },
  CONFLICT: { status: 409, message: '{reason}', messageZh: '操作冲突，请重试' },
  RATE_LIMITED: { status: 429, message: 'Too many requests', messageZh: '请求过于频繁，请稍后再试' },
  LOGIN_FAILED: { status: 401, message: 'Wrong username or password', messageZh: '用户名或密码错误' },
  ACCOUNT_LOCKED: { status: 429, message: 'Too many failed logins: try again in {minutes} minutes', messageZh: '登录失败次数过多，请 {minutes} 分钟后再试' },
  CSRF_FAILED: { status: 403, message: 'The request did not carry this session\'s CSRF token (X-CSRF-Token)', messageZh: '页面已过期，请刷新后重试' },
  CONSOLE_UNAVAILABLE: { status: 503, message: 'The staff console needs an active admin account: {reason}', messageZh: '管理台尚未开通' },
  REQUEST_TIMEOUT: { status: 408, message: 'The request was not received in time', messageZh: '请求超时，请重试' },
  HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are larger than allowed', messageZh: '请求头过大' },
  PROVIDER_UNAVAILABLE: { status: 503, message: 'Provider {provider} unavailable: {reason}', messageZh: '服务暂时不可用' },
  DB_UNAVAILABLE: { status: 503, message: 'Database unavailable: {reason}', messageZh: '服务暂时不可用' },
  MIGRATIONS_PENDING: { status: 503, message: 'Database migrations not applied: {pending}', messageZh: '服务暂时不可用' },
  MIGRATION_FAILED: { status: 500, message: 'Applying migrations failed: {reason}', messageZh: '服务暂时不可用' },
  CRYPTO_FAILED: { status: 500, message: 'Could not decrypt a protected field: {reason}', messageZh: '服务内部错误' },
  CONVERSATION_BUSY: { status: 503, message: 'Conversation is busy: {reason}', messageZh: '正在处理上一条消息，请稍后再试' },
  CONVERSATION_NOT_FOUND: { status: 404, message: 'No conversation {conversationId}', messageZh: '未找到该对话' },
  CONTACT_TEMPLATE_UNKNOWN: { status: 500, message: 'No notice template {template} in flows/notices/noticeCatalog.ts', messageZh: '服务内部错误' },
  CONVERSATION_TAKEN: { status: 409, message: 'Conversation {conversationId} is being served by {holder}: one person at a time', messageZh: '该对话正由其他同事接待' },
  CANNED_REPLY_EXISTS: { status: 409, message: 'A canned reply /{shortcut} in {locale} already exists', messageZh: '该快捷回复已存在' },
  TURN_FAILED: { status: 500, message: 'The conversation could not process {event}: {reason}', messageZh: '抱歉，系统开小差了，请稍后再试。' },
  WECHAT_SIGNATURE_INVALID: { status: 401, message: 'WeChat callback signature is missing or does not match', messageZh: '签名校验失败' },
  WECHAT_CALLBACK_REPLAYED: { status: 401, message: 'WeChat callback refused as a possible replay: {reason}', messageZh: '请求已过期或重复' },
  WECHAT_MESSAGE_INVALID: { status: 400, message: 'WeChat message could not be read: {reason}', messageZh: '消息格式错误' },
  WECHAT_API_FAILED: { status: 502, message: 'WeChat API {api} failed: {reason}', messageZh: '微信接口暂时不可用' },
  REVIEW_NOT_FOUND: { status: 404, message: 'No application {applicationId} in manual review', messageZh: '未找到该审批申请' },
  REVIEW_DECIDED: { status: 409, message: 'Application {applicationId} was already decided in review ({outcome})', messageZh: '该申请已审批完毕' },
  REVIEW_AWAITS_CONFIRMATION: { status: 409, message: 'An approval of application {applicationId} waits for a second reviewer: confirm it, or decline', messageZh: '该申请的批准待第二位审批员确认' },
  REVIEW_NOTHING_TO_CONFIRM: { status: 409, message: 'No approval of application {applicationId} waits for confirmation', messageZh: '没有待确认的批准' },
  REVIEW_SECOND_REVIEWER_REQUIRED: { status: 403, message: 'Four eyes: a reviewer other than the one who approved must confirm', messageZh: '需由另一位审批员确认（双人复核）' },
  WORK_ORDER_NOT_FOUND: { status: 404, message: 'No work order {workOrder}', messageZh: '未找到该工单' },
  BORROWER_NOT_FOUND: { status: 404, message: 'No borrower {borrowerId}', messageZh: '未找到该客户' },
  WORK_ORDER_TRANSITION_REFUSED: { status: 409, message: 'Work order {number}: {reason}', messageZh: '工单状态不允许此操作' },
  WORK_ORDER_CHANGED: { status: 409, message: 'Work order {number} changed since it was loaded: reload it and try again', messageZh: '工单已被他人修改，请刷新后重试' },
  BRANCH_NOT_FOUND: { status: 404, message: 'No branch {code}{reason}', messageZh: '未找到该网点' },
  BRANCH_EXISTS: { status: 409, message: 'A branch with code {code} already exists', messageZh: '网点代码已存在' },
  STAFF_ACCOUNT_NOT_FOUND: { status: 404, message: 'No staff account {id}{reason}', messageZh: '未找到该员工账号' },
  REFERRAL_CODE_TAKEN: { status: 409, message: 'Referral code {code} belongs to another staff member', messageZh: '推荐码已被他人使用' },
  STUDIO_CODE_NOT_FOUND: { status: 404, message: 'No {kind} code {code}: {reason}', messageZh: '未找到该推广码' },
  RISK_SIGNAL_NOT_FOUND: { status: 404, message: 'No risk signal {id}', messageZh: '未找到该预警信号' },
  RISK_SIGNAL_REVIEWED: { status: 409, message: 'Risk signal {id} was already judged ({status})', messageZh: '该预警信号已处理' },
  CAMPAIGN_NOT_FOUND: { status: 404, message: 'No campaign {id}', messageZh: '未找到该营销活动' },
  CAMPAIGN_TRANSITION_REFUSED: { status: 409, message: 'Campaign {code} is {status}: cannot {action} it', messageZh: '营销活动当前状态不允许此操作' },
  CAMPAIGN_FOUR_EYES: { status: 403, message: 'Four eyes: campaign {code} must be {action}d by a supervisor or admin other than its creator', messageZh: '需由创建人以外的主管或管理员审批（双人复核）' },
  CAMPAIGN_CHANGED: { status: 409, message: 'Campaign {code} changed since it was loaded (version {version}): reload it and try again', messageZh: '营销活动已被他人修改，请刷新后重试' },
  CAMPAIGN_CODE_TAKEN: { status: 409, message: 'Campaign code {code} is already used by another campaign', messageZh: '活动编码已被使用' },
  JOBS_DISABLED: { status: 503, message: 'The job runner is not running in this process (JOBS_POLL_MS=0): queue {queue}', messageZh: '作业运行器未启动' },
  PRECREDIT_FILE_TOO_LARGE: { status: 413, message: 'The customer file is larger than {limitMb} MB: split it, or run npm run precredit on the server', messageZh: '客户文件过大，请拆分后上传或在服务器上运行 npm run precredit' },
  PRECREDIT_FILE_EMPTY: { status: 400, message: 'The customer file is empty: send the CSV as the request body (text/csv)', messageZh: '客户文件为空' },
  PRECREDIT_BUSY: { status: 409, message: 'A pre-credit batch is being scored ({reason}): wait for it to finish', messageZh: '正在处理另一批预授信，请稍后再试' },
  PRECREDIT_REFUSED: { status: 400, message: '{reason}', messageZh: '无法处理该客户文件' },
  PRECREDIT_BATCH_NOT_FOUND: { status: 404, message: 'No pre-credit batch {id}', messageZh: '未找到该预授信批次' },
  DEMO_CLOCK_REFUSED: { status: 403, message: 'The demo clock only moves in sandbox mode: {reason}', messageZh: '仅沙箱演示环境可以推进营业日' },
  INTERNAL: { status: 500, message: 'Internal error', messageZh: '服务内部错误' },
} as const satisfies Record<string, { status: number; message: string; messageZh: string }>;

export type ErrorCode = keyof typeof ERRORS;

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly statusCode: number;
  readonly messageZh: string;
  constructor(
    readonly code: ErrorCode,
    readonly params: Readonly<Record<string, string | number>> = {},
    options?: { cause?: unknown },
  ) {
    const def = ERRORS[code];
    super(def.message.replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? `{${k}}`)), options);
    this.statusCode = def.status;
    this.messageZh = def.messageZh;
  }

  /** The JSON body clients receive: `{ error: { code, message, field? } }`. */
  toBody(): { error: { code: ErrorCode; message: string; field?: string } } {
    const field = this.params.field;
    return { error: { code: this.code, message: this.message, ...(field === undefined ? {} : { field: String(field) }) } };
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

/** A database that cannot be used right now, in words safe to show a client (never an address). */
export interface DatabaseFault {
  readonly reason: string;
  /** Whether waiting may cure it (a restart, a dropped connection); false for a refused login or a missing database. */
  readonly transient: boolean;
}

// Socket errors of the driver (Node's codes).
const SOCKET_FAULTS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection lost',
  ECONNABORTED: 'connection lost',
  EPIPE: 'connection lost',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'database host unreachable',
  ENETUNREACH: 'database host unreachable',
  EHOSTDOWN: 'database host unreachable',
  ENOTFOUND: 'database host not found',
  EAI_AGAIN: 'database host not found',
};
// PostgreSQL SQLSTATEs (class 08 is matched as a class), Prisma's connection codes, driver adapter kinds.
const SERVER_FAULTS: Readonly<Record<string, string>> = {
  '57P01': 'the database closed the connection',
  '57P02': 'the database is restarting',
  '57P03': 'the database is starting up or shutting down',
  '53300': 'too many connections',
  P1001: 'connection refused',
  P1002: 'connection timed out',
  P1008: 'connection timed out',
  P1017: 'connection lost',
  P2024: 'connection timed out',
  DatabaseNotReachable: 'connection refused',
  ConnectionClosed: 'connection lost',
  SocketTimeout: 'connection timed out',
  TooManyConnections: 'too many connections',
};
// Waiting does not cure these: start-up stops at once instead of retrying.
const PERMANENT_FAULTS: Readonly<Record<string, string>> = {
  '28P01': 'the database refused the login',
  '28000': 'the database refused the login',
  '3D000': 'the database does not exist',
  P1000: 'the database refused the login',
  P1003: 'the database does not exist',
  AuthenticationFailed: 'the database refused the login',
  DatabaseAccessDenied: 'the database refused the login',
  DatabaseDoesNotExist: 'the database does not exist',
};
// The pg driver's own errors carry no code, only these messages.
const MESSAGE_FAULTS: readonly (readonly [RegExp, string])[] = [
  [/Connection terminated|Connection closed|connection error and is not queryable|is not queryable|server closed the connection/i, 'connection lost'],
  [/timeout exceeded when trying to connect|Connection terminated due to connection timeout/i, 'connection timed out'],
  [/Can't reach database server/i, 'connection refused'],
];

/**
 * Whether `error` means the database could not be used (unreachable, restarting, a dropped
 * connection) rather than a bug or an expected outcome. Looks through wrappers: AppError causes,
 * Prisma's `meta.driverAdapterError`, driver adapter causes. The one place connection errors of pg,
 * PostgreSQL, Prisma and its driver adapter are recognised.
 */
export function databaseFault(error: unknown): DatabaseFault | undefined {
  const seen = new Set<unknown>();
  let own: DatabaseFault | undefined;
  const visit = (e: unknown, depth: number): DatabaseFault | undefined => {
    if (e === null || typeof e !== 'object' || seen.has(e) || depth > 6) return undefined;
    seen.add(e);
    const o = e as { code?: unknown; originalCode?: unknown; kind?: unknown; message?: unknown; cause?: unknown; meta?: { driverAdapterError?: unknown } };
    for (const c of [o.code, o.originalCode, o.kind]) {
      if (typeof c !== 'string') continue;
      const permanent = PERMANENT_FAULTS[c];
      if (permanent) return { reason: permanent, transient: false };
      const reason = SOCKET_FAULTS[c] ?? SERVER_FAULTS[c] ?? (/^08[0-9A-Z]{3}$/.test(c) ? 'connection lost' : undefined);
      if (reason) return { reason, transient: true };
    }
    // An AppError DB_UNAVAILABLE raised by our own code: its cause says more, if it has one.
    if (e instanceof AppError && e.code === 'DB_UNAVAILABLE') own ??= { reason: e.cause === undefined ? String(e.params.reason ?? 'database unavailable') : 'database unavailable', transient: true };
    if (typeof o.message === 'string') for (const [pattern, reason] of MESSAGE_FAULTS) if (pattern.test(o.message)) return { reason, transient: true };
    return visit(o.cause, depth + 1) ?? visit(o.meta?.driverAdapterError, depth + 1);
  };
  return visit(error, 0) ?? own;
}

/** DB_UNAVAILABLE for a database fault, its reason safe for clients, the original kept as the cause for logs. */
export function dbUnavailable(error: unknown, fault: DatabaseFault | undefined = databaseFault(error)): AppError {
  return new AppError('DB_UNAVAILABLE', { reason: fault?.reason ?? 'database unavailable' }, { cause: error });
}
