import { z } from 'zod';
import { h } from '../../shared/dom.js';
import { api, errorWords } from '../api.js';
import { defineTexts } from '../i18n.js';
import { newestOnly, type PageDef } from '../page.js';

const t = defineTexts({
  zh: {
    title: '预授信',
    intro: '上传本行客户名单（CSV，UTF-8，中文或英文列名，列说明见 docs/studio.md），系统按与线上申请相同的授信决策逐户评分：通过者进入白名单并获得预授信额度，其余列出排除原因。同一文件只处理一次，中断后重新上传即从断点继续。',
    file: '客户文件',
    upload: '上传并评分',
    uploading: '正在上传……',
    started: '已开始评分批次 {id}。',
    batches: '批次',
    fileName: '文件',
    status: '状态',
    progress: '进度',
    whitelisted: '白名单',
    excluded: '排除',
    rejected: '无法读取',
    started_at: '开始时间',
    none: '还没有批次。',
    running: '评分中',
    done: '已完成',
    failed: '失败',
    back: '返回批次列表',
    reasons: '排除原因',
    errors: '无法读取的行',
    line: '第 {line} 行：{message}',
    entries: '名单',
    all: '全部',
    reason: '原因',
    anyReason: '任意原因',
    rowNo: '行号',
    customerRef: '客户号',
    name: '姓名',
    mobile: '手机号',
    branch: '网点',
    manager: '客户经理',
    outcome: '结果',
    limit: '预授信额度',
    rate: '年利率',
    score: '评分',
    prev: '上一页',
    next: '下一页',
    page: '第 {page} 页 / 共 {pages} 页（{total} 条）',
    export: '导出排除名单（CSV）',
    expires: '额度有效期至 {date}',
  },
  en: {
    title: 'Pre-credit',
    intro: "Upload a list of the bank's customers (CSV, UTF-8, Chinese or English headers; columns in docs/studio.md). Each customer is scored by the same credit decision as an application in the chat: those approved join the whitelist with a pre-approved limit, the others are listed with the reasons. A file is scored once; upload it again after an interruption and it continues where it stopped.",
    file: 'Customer file',
    upload: 'Upload and score',
    uploading: 'Uploading…',
    started: 'Scoring batch {id}.',
    batches: 'Batches',
    fileName: 'File',
    status: 'Status',
    progress: 'Progress',
    whitelisted: 'Whitelisted',
    excluded: 'Excluded',
    rejected: 'Unreadable',
    started_at: 'Started',
    none: 'No batches yet.',
    running: 'Scoring',
    done: 'Done',
    failed: 'Failed',
    back: 'Back to the batches',
    reasons: 'Reasons for exclusion',
    errors: 'Rows that could not be read',
    line: 'Line {line}: {message}',
    entries: 'Customers',
    all: 'All',
    reason: 'Reason',
    anyReason: 'Any reason',
    rowNo: 'Row',
    customerRef: 'Customer no.',
    name: 'Name',
    mobile: 'Mobile',
    branch: 'Branch',
    manager: 'Manager',
    outcome: 'Outcome',
    limit: 'Pre-approved limit',
    rate: 'Annual rate',
    score: 'Score',
    prev: 'Previous',
    next: 'Next',
    page: 'Page {page} of {pages} ({total})',
    export: 'Export exclusions (CSV)',
    expires: 'Limits valid until {date}',
  },
});

const batchSchema = z.object({
  id: z.string(), fileName: z.string(), productId: z.string(), status: z.string(), total: z.number(), processed: z.number(),
  whitelisted: z.number(), excluded: z.number(), rejected: z.number(), expiresAt: z.string(), startedAt: z.string(), finishedAt: z.string().nullable(), scoring: z.boolean(),
});
type Batch = z.infer<typeof batchSchema>;
const listSchema = z.object({ batches: z.array(batchSchema) });
const detailSchema = z.object({ batch: batchSchema, errors: z.array(z.object({ line: z.number(), message: z.string() })), excludedByReason: z.record(z.string(), z.number()) });
const entriesSchema = z.object({
  total: z.number(), page: z.number(), pageSize: z.number(),
  entries: z.array(z.object({
    rowNo: z.number(), customerRef: z.string(), nameMasked: z.string().nullable(), phoneMasked: z.string().nullable(), branch: z.string().nullable(), managerCode: z.string().nullable(),
    outcome: z.string(), limitFen: z.number().nullable(), ratePpm: z.number().nullable(), score: z.number().nullable(), grade: z.string().nullable(), reasons: z.array(z.string()),
  })),
});

const yuan = (fen: number) => `¥${(fen / 100).toLocaleString('zh-CN', { maximumFractionDigits: 2 })}`;
const statusWord = (b: Batch) => (b.status === 'running' ? t('running') : b.status === 'done' ? t('done') : t('failed'));
const percent = (b: Batch) => `${b.processed}/${b.total} (${b.total ? ((100 * b.processed) / b.total).toFixed(1) : '100.0'}%)`;
const POLL_MS = 1_000;

/** 预授信: upload a customer file, follow the batches (admins upload; supervisors view). */
export const precreditPage: PageDef = {
  path: '/precredit',
  title: () => t('title'),
  roles: ['admin', 'supervisor'],
  nav: true,
  render(ctx) {
    const admin = ctx.staff.roles.includes('admin');
    const list = h('div', { 'aria-live': 'polite' });
    let timer: ReturnType<typeof setTimeout> | undefined;
    let gone = false;
    const load = async () => {
      try {
        const { batches } = await api('GET', '/api/v1/staff/studio/precredit', { schema: listSchema });
        if (gone) return;
        list.replaceChildren(
          batches.length === 0
            ? h('p', {}, t('none'))
            : h('table', { class: 'precredit-batches' },
              h('thead', {}, h('tr', {}, ...[t('fileName'), t('status'), t('progress'), t('whitelisted'), t('excluded'), t('rejected'), t('started_at')].map((x) => h('th', {}, x)))),
              h('tbody', {}, ...batches.map((b) => {
                const link = h('a', { href: `#/precredit/${b.id}` }, b.fileName);
                return h('tr', { 'data-batch': b.id }, h('td', {}, link), h('td', {}, statusWord(b)), h('td', {}, percent(b)), h('td', {}, String(b.whitelisted)), h('td', {}, String(b.excluded)), h('td', {}, String(b.rejected)), h('td', {}, new Date(b.startedAt).toLocaleString()));
              }))),
        );
        if (batches.some((b) => b.status === 'running' && b.scoring)) timer = setTimeout(() => void load(), POLL_MS);
      } catch (e) {
        ctx.say(errorWords(e));
      }
    };
    const parts: HTMLElement[] = [h('h2', {}, t('title')), h('p', {}, t('intro'))];
    if (admin) {
      const input = h('input', { type: 'file', accept: '.csv,text/csv', 'aria-label': t('file') });
      const button = h('button', { class: 'primary', type: 'button' }, t('upload'));
      button.addEventListener('click', () => {
        const file = input.files?.[0];
        if (!file) return;
        button.disabled = true;
        ctx.say(t('uploading'));
        api('POST', `/api/v1/staff/studio/precredit?fileName=${encodeURIComponent(file.name)}`, { raw: { body: file, type: 'text/csv' }, schema: z.object({ batch: batchSchema }) })
          .then(({ batch }) => {
            ctx.say(t('started', { id: batch.id }));
            ctx.navigate(`/precredit/${batch.id}`);
          })
          .catch((e: unknown) => ctx.say(errorWords(e)))
          .finally(() => {
            button.disabled = false;
          });
      });
      parts.push(h('div', { class: 'card' }, h('label', {}, t('file'), ' ', input), ' ', button));
    }
    parts.push(h('h3', {}, t('batches')), list);
    ctx.root.append(...parts);
    void load();
    return () => {
      gone = true;
      clearTimeout(timer);
    };
  },
};

/** One batch: progress while it is scored, exclusions by reason, the customers (masked, paginated, filtered), the export. */
export const precreditBatchPage: PageDef = {
  path: '/precredit/:id',
  title: () => t('title'),
  roles: ['admin', 'supervisor'],
  nav: false,
  render(ctx) {
    const id = ctx.params.id ?? '';
    const head = h('div', { class: 'card', 'aria-live': 'polite' });
    const reasons = h('div');
    const table = h('div');
    let outcome = '';
    let reason = '';
    let page = 1;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let gone = false;

    // Newest only: a filter changed while an earlier page was on its way must not be overwritten by it.
    const loadEntries = newestOnly(async (current) => {
      const q = new URLSearchParams({ page: String(page), pageSize: '50', ...(outcome ? { outcome } : {}), ...(reason ? { reason } : {}) });
      const r = await api('GET', `/api/v1/staff/studio/precredit/${id}/entries?${q.toString()}`, { schema: entriesSchema });
      if (gone || !current()) return;
      const pages = Math.max(1, Math.ceil(r.total / r.pageSize));
      const prev = h('button', { class: 'secondary', type: 'button', disabled: page <= 1 }, t('prev'));
      const next = h('button', { class: 'secondary', type: 'button', disabled: page >= pages }, t('next'));
      prev.addEventListener('click', () => { page--; void loadEntries(); });
      next.addEventListener('click', () => { page++; void loadEntries(); });
      table.replaceChildren(
        h('table', { class: 'precredit-entries' },
          h('thead', {}, h('tr', {}, ...[t('rowNo'), t('customerRef'), t('name'), t('mobile'), t('branch'), t('manager'), t('outcome'), t('limit'), t('rate'), t('score'), t('reason')].map((x) => h('th', {}, x)))),
          h('tbody', {}, ...r.entries.map((e) => h('tr', {},
            h('td', {}, String(e.rowNo)), h('td', {}, e.customerRef), h('td', {}, e.nameMasked ?? ''), h('td', {}, e.phoneMasked ?? ''), h('td', {}, e.branch ?? ''), h('td', {}, e.managerCode ?? ''),
            h('td', {}, e.outcome === 'whitelisted' ? t('whitelisted') : t('excluded')),
            h('td', {}, e.limitFen === null ? '' : yuan(e.limitFen)), h('td', {}, e.ratePpm === null ? '' : `${(e.ratePpm / 10_000).toFixed(2)}%`),
            h('td', {}, e.score === null ? '' : `${e.score}${e.grade ? ` (${e.grade})` : ''}`), h('td', {}, e.reasons.join(', ')))))),
        h('p', {}, prev, ' ', t('page', { page: r.page, pages, total: r.total }), ' ', next),
      );
    });

    const load = async () => {
      try {
        const d = await api('GET', `/api/v1/staff/studio/precredit/${id}`, { schema: detailSchema });
        if (gone) return;
        const b = d.batch;
        const bar = h('progress', { max: String(Math.max(1, b.total)), value: String(b.processed) });
        head.replaceChildren(
          h('h3', {}, b.fileName), h('p', {}, `${statusWord(b)} · ${percent(b)} `, bar),
          h('p', { class: 'precredit-counts' }, `${t('whitelisted')} ${b.whitelisted} · ${t('excluded')} ${b.excluded} · ${t('rejected')} ${b.rejected}`),
          h('p', {}, `${b.productId} · ${t('expires', { date: b.expiresAt.slice(0, 10) })}`),
        );
        const select = h('select', { 'aria-label': t('reason') }, h('option', { value: '' }, t('anyReason')), ...Object.keys(d.excludedByReason).map((code) => h('option', { value: code, selected: code === reason }, code)));
        select.addEventListener('change', () => { reason = select.value; page = 1; void loadEntries(); });
        const outcomeSelect = h('select', { 'aria-label': t('outcome') }, h('option', { value: '' }, t('all')), h('option', { value: 'whitelisted', selected: outcome === 'whitelisted' }, t('whitelisted')), h('option', { value: 'excluded', selected: outcome === 'excluded' }, t('excluded')));
        outcomeSelect.addEventListener('change', () => { outcome = outcomeSelect.value; page = 1; void loadEntries(); });
        reasons.replaceChildren(
          h('h3', {}, t('reasons')),
          h('table', { class: 'precredit-reasons' }, h('tbody', {}, ...Object.entries(d.excludedByReason).map(([code, n]) => h('tr', {}, h('td', {}, h('code', {}, code)), h('td', {}, String(n)))))),
          h('p', {}, h('a', { href: `/api/v1/staff/studio/precredit/${id}/exclusions.csv`, download: '' }, t('export'))),
          ...(d.errors.length ? [h('h3', {}, t('errors')), h('ul', {}, ...d.errors.slice(0, 50).map((e) => h('li', {}, t('line', { line: e.line, message: e.message }))))] : []),
          h('h3', {}, t('entries')), h('p', {}, outcomeSelect, ' ', select),
        );
        await loadEntries();
        if (b.status === 'running' && b.scoring) timer = setTimeout(() => void load(), POLL_MS);
      } catch (e) {
        ctx.say(errorWords(e));
      }
    };
    const back = h('a', { href: '#/precredit' }, t('back'));
    ctx.root.append(h('p', {}, back), head, reasons, table);
    void load();
    return () => {
      gone = true;
      clearTimeout(timer);
    };
  },
};
