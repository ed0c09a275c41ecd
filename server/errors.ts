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
  PROVIDER_UNAVAILABLE: { status: 503, message: 'Provider {provider} unavailable: {reason}', messageZh: '服务暂时不可用' },
  DB_UNAVAILABLE: { status: 503, message: 'Database unavailable: {reason}', messageZh: '服务暂时不可用' },
  MIGRATIONS_PENDING: { status: 503, message: 'Database migrations not applied: {pending}', messageZh: '服务暂时不可用' },
  MIGRATION_FAILED: { status: 500, message: 'Applying migrations failed: {reason}', messageZh: '服务暂时不可用' },
  CRYPTO_FAILED: { status: 500, message: 'Could not decrypt a protected field: {reason}', messageZh: '服务内部错误' },
  CONVERSATION_BUSY: { status: 503, message: 'Conversation is busy: {reason}', messageZh: '正在处理上一条消息，请稍后再试' },
  CONVERSATION_NOT_FOUND: { status: 404, message: 'No conversation {conversationId}', messageZh: '未找到该对话' },
  TURN_FAILED: { status: 500, message: 'The conversation could not process {event}: {reason}', messageZh: '抱歉，系统开小差了，请稍后再试。' },
  WECHAT_SIGNATURE_INVALID: { status: 401, message: 'WeChat callback signature is missing or does not match', messageZh: '签名校验失败' },
  WECHAT_MESSAGE_INVALID: { status: 400, message: 'WeChat message could not be read: {reason}', messageZh: '消息格式错误' },
  WECHAT_API_FAILED: { status: 502, message: 'WeChat API {api} failed: {reason}', messageZh: '微信接口暂时不可用' },
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
