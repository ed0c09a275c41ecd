/**
 * The console's words, Simplified Chinese first, English complete (the types refuse a missing key).
 * The shell's words are here; each page keeps its own with {@link defineTexts}, so pages are added
 * without editing this file.
 */
export type Lang = 'zh' | 'en';
export type Params = Readonly<Record<string, string | number>>;

const LANG_KEY = 'kd.console.lang';
let lang: Lang = (() => {
  try {
    return localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh';
  } catch {
    return 'zh';
  }
})();
const listeners = new Set<(lang: Lang) => void>();

export const currentLang = (): Lang => lang;

/** Switches the language, remembers it, and tells every listener (the shell re-renders the page). */
export function setLang(next: Lang): void {
  lang = next;
  try {
    localStorage.setItem(LANG_KEY, next);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en';
  for (const fn of listeners) fn(next);
}

export function onLangChange(fn: (lang: Lang) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

const fill = (text: string, params: Params | undefined) => (params ? text.replace(/\{(\w+)\}/g, (m, k: string) => (params[k] === undefined ? m : String(params[k]))) : text);

/** A page's words: `const t = defineTexts({ zh: {...}, en: {...} })`, then `t('key', { n: 3 })` in the current language. */
export function defineTexts<K extends string>(texts: { zh: Record<K, string>; en: Record<K, string> }): (key: K, params?: Params) => string {
  // An unknown key (an error code with no words yet) comes back as itself, never as `undefined`.
  return (key, params) => fill(texts[lang][key] ?? key, params);
}

/** The shell's words (header, login, errors, roles, channels). */
export const tr = defineTexts({
  zh: {
    title: '快贷助手 · 工作台',
    navLabel: '主导航',
    langButton: 'EN',
    langButtonLabel: 'Switch to English',
    logout: '退出',
    logoutLabel: '退出登录',
    employeeNo: '工号 {no}',
    loading: '加载中…',
    'login.title': '员工登录',
    'login.username': '用户名',
    'login.password': '密码',
    'login.submit': '登录',
    'login.busy': '正在登录…',
    'login.hint': '仅限本行员工使用。所有操作均会记录在审计日志中。',
    loggedOut: '您已退出登录。',
    sessionEnded: '登录已失效，请重新登录。',
    notFound: '没有这个页面。',
    forbiddenPage: '您的角色无权查看此页面。',
    home: '欢迎，{name}。请从上方选择要处理的工作。',
    noPages: '您的角色暂无可用页面。',
    'feed.offline': '实时更新已断开，正在重连…',
    notices: '通知',
    'notices.unread': '通知 {n}',
    'notices.label': '通知：{n} 条未读',
    'role.agent': '客服',
    'role.supervisor': '客服主管',
    'role.reviewer': '审批员',
    'role.manager': '客户经理',
    'role.admin': '管理员',
    'channel.web': '网页',
    'channel.rest': '应用接口',
    'channel.terminal': '终端',
    'channel.wechat': '微信',
    'channel.official_account': '公众号',
    'channel.wecom': '企业微信',
    'error.network': '网络连接失败，请检查网络后重试。',
    'error.generic': '操作未成功（{code}），请稍后重试。',
    'error.UNAUTHORIZED': '登录已失效，请重新登录。',
    'error.FORBIDDEN': '您的角色无权执行此操作。',
    'error.CSRF_FAILED': '页面已过期，请刷新后重试。',
    'error.LOGIN_FAILED': '用户名或密码错误。',
    'error.ACCOUNT_LOCKED': '登录失败次数过多，账号已暂时锁定，请稍后再试。',
    'error.CONSOLE_UNAVAILABLE': '工作台尚未开通：需要先创建管理员账号。',
    'error.RATE_LIMITED': '操作太频繁，请稍后再试。',
    'error.VALIDATION_FAILED': '填写的内容有误：{detail}',
    'error.NOT_FOUND': '没有找到。',
    'error.CONVERSATION_NOT_FOUND': '没有找到这个对话。',
    'error.CONVERSATION_TAKEN': '另一位同事正在接待这位客户，您不能同时接管或回复。',
    'error.CONVERSATION_BUSY': '对话正在处理上一条消息，请稍后再试。',
    'error.DB_UNAVAILABLE': '服务暂时不可用，请稍后重试。',
    'error.CANNED_REPLY_EXISTS': '这个快捷指令已经存在。',
    'error.REVIEW_NOT_FOUND': '没有找到这笔待审批的申请。',
    'error.REVIEW_DECIDED': '这笔申请已经审批完毕，请刷新查看结果。',
    'error.RISK_SIGNAL_NOT_FOUND': '没有找到这条预警信号。',
    'error.BRANCH_NOT_FOUND': '没有找到该网点（或已停用）。',
    'error.BRANCH_EXISTS': '网点代码已存在。',
    'error.STAFF_ACCOUNT_NOT_FOUND': '没有找到该员工账号（或已停用）。',
    'error.REFERRAL_CODE_TAKEN': '该推荐码已被其他员工使用。',
    'error.STUDIO_CODE_NOT_FOUND': '没有找到该推广码。',
    'error.RISK_SIGNAL_REVIEWED': '这条预警已经有人处理过了，请刷新查看。',
    'error.CAMPAIGN_NOT_FOUND': '没有找到这个营销活动。',
    'error.CAMPAIGN_TRANSITION_REFUSED': '活动当前的状态不允许这个操作，请刷新查看。',
    'error.CAMPAIGN_FOUR_EYES': '双人复核：活动需由创建人以外的主管或管理员审批。',
    'error.CAMPAIGN_CHANGED': '活动已被他人修改，请刷新后再操作。',
    'error.CAMPAIGN_CODE_TAKEN': '这个活动编码已被使用，请换一个。',
    'error.REVIEW_AWAITS_CONFIRMATION': '这笔申请的批准正等待第二位审批员确认：请确认或拒绝。',
    'error.REVIEW_NOTHING_TO_CONFIRM': '没有等待确认的批准。',
    'error.REVIEW_SECOND_REVIEWER_REQUIRED': '双人复核：需由另一位审批员确认，不能确认自己的批准。',
    'error.DEMO_CLOCK_REFUSED': '只有沙箱演示环境可以推进营业日（生产环境和银行接口下不可用）。',
    'error.JOBS_DISABLED': '本进程未启动作业运行器（JOBS_POLL_MS=0）。',
    'error.PRECREDIT_FILE_TOO_LARGE': '客户文件超过 64 MB：请拆分后上传，或在服务器上运行 npm run precredit。',
    'error.PRECREDIT_FILE_EMPTY': '客户文件是空的。',
    'error.PRECREDIT_BUSY': '正在处理另一批预授信，请等它完成后再上传。',
    'error.PRECREDIT_REFUSED': '无法处理该客户文件：{detail}',
    'error.PRECREDIT_BATCH_NOT_FOUND': '未找到该预授信批次。',
    'error.BORROWER_NOT_FOUND': '没有找到这位客户。',
  },
  en: {
    title: 'Kuaidai · Staff console',
    navLabel: 'Main navigation',
    langButton: '中文',
    langButtonLabel: '切换到中文',
    logout: 'Log out',
    logoutLabel: 'Log out',
    employeeNo: 'No. {no}',
    loading: 'Loading…',
    'login.title': 'Staff login',
    'login.username': 'Username',
    'login.password': 'Password',
    'login.submit': 'Log in',
    'login.busy': 'Logging in…',
    'login.hint': 'For bank staff only. Every action is recorded in the audit log.',
    loggedOut: 'You have logged out.',
    sessionEnded: 'Your session has ended. Please log in again.',
    notFound: 'There is no such page.',
    forbiddenPage: 'Your roles do not allow this page.',
    home: 'Welcome, {name}. Choose your work above.',
    noPages: 'No pages are available for your roles yet.',
    'feed.offline': 'Live updates disconnected; reconnecting…',
    notices: 'Notices',
    'notices.unread': 'Notices {n}',
    'notices.label': 'Notices: {n} unread',
    'role.agent': 'Agent',
    'role.supervisor': 'Supervisor',
    'role.reviewer': 'Reviewer',
    'role.manager': 'Account manager',
    'role.admin': 'Admin',
    'channel.web': 'Web',
    'channel.rest': 'App API',
    'channel.terminal': 'Terminal',
    'channel.wechat': 'WeChat',
    'channel.official_account': 'Official account',
    'channel.wecom': 'WeCom',
    'error.network': 'Could not reach the server. Check the network and try again.',
    'error.generic': 'That did not work ({code}). Please try again later.',
    'error.UNAUTHORIZED': 'Your session has ended. Please log in again.',
    'error.FORBIDDEN': 'Your roles do not allow this.',
    'error.CSRF_FAILED': 'This page is out of date. Reload it and try again.',
    'error.LOGIN_FAILED': 'Wrong username or password.',
    'error.ACCOUNT_LOCKED': 'Too many failed logins: the account is locked for a while. Try again later.',
    'error.CONSOLE_UNAVAILABLE': 'The console is not open yet: an admin account must be created first.',
    'error.RATE_LIMITED': 'Too many requests. Please wait a moment.',
    'error.VALIDATION_FAILED': 'Something you entered is not valid: {detail}',
    'error.NOT_FOUND': 'Not found.',
    'error.CONVERSATION_NOT_FOUND': 'This conversation was not found.',
    'error.CONVERSATION_TAKEN': 'Another colleague is serving this borrower; you cannot take over or reply at the same time.',
    'error.CONVERSATION_BUSY': 'The conversation is still handling the last message. Try again shortly.',
    'error.DB_UNAVAILABLE': 'The service is temporarily unavailable. Please try again.',
    'error.CANNED_REPLY_EXISTS': 'That shortcut already exists.',
    'error.REVIEW_NOT_FOUND': 'No application waiting for review was found.',
    'error.REVIEW_DECIDED': 'This application has already been decided; reload to see the outcome.',
    'error.RISK_SIGNAL_NOT_FOUND': 'No such risk signal.',
    'error.BRANCH_NOT_FOUND': 'No such branch (or it is deactivated).',
    'error.BRANCH_EXISTS': 'A branch with this code already exists.',
    'error.STAFF_ACCOUNT_NOT_FOUND': 'No such staff account (or it is disabled).',
    'error.REFERRAL_CODE_TAKEN': 'This referral code belongs to another staff member.',
    'error.STUDIO_CODE_NOT_FOUND': 'No such code.',
    'error.RISK_SIGNAL_REVIEWED': 'Someone has already judged this signal; reload to see it.',
    'error.CAMPAIGN_NOT_FOUND': 'No such campaign.',
    'error.CAMPAIGN_TRANSITION_REFUSED': 'The campaign’s state does not allow that; reload to see it.',
    'error.CAMPAIGN_FOUR_EYES': 'Four eyes: a supervisor or admin other than its creator approves a campaign.',
    'error.CAMPAIGN_CHANGED': 'Someone changed the campaign; reload it and try again.',
    'error.CAMPAIGN_CODE_TAKEN': 'That campaign code is taken; choose another.',
    'error.REVIEW_AWAITS_CONFIRMATION': 'An approval of this application waits for a second reviewer: confirm it or decline.',
    'error.REVIEW_NOTHING_TO_CONFIRM': 'No approval is waiting for confirmation.',
    'error.REVIEW_SECOND_REVIEWER_REQUIRED': 'Four eyes: another reviewer must confirm; you cannot confirm your own approval.',
    'error.DEMO_CLOCK_REFUSED': 'Only the sandbox demo can move the business date (not production, not the bank\'s providers).',
    'error.JOBS_DISABLED': 'The job runner is not started in this process (JOBS_POLL_MS=0).',
    'error.PRECREDIT_FILE_TOO_LARGE': 'The customer file is over 64 MB: split it, or run npm run precredit on the server.',
    'error.PRECREDIT_FILE_EMPTY': 'The customer file is empty.',
    'error.PRECREDIT_BUSY': 'Another pre-credit batch is being scored: upload again when it has finished.',
    'error.PRECREDIT_REFUSED': 'The customer file cannot be used: {detail}',
    'error.PRECREDIT_BATCH_NOT_FOUND': 'No such pre-credit batch.',
    'error.BORROWER_NOT_FOUND': 'No such borrower.',
  },
});
export type ShellKey = Parameters<typeof tr>[0];
