import { h } from '../../shared/dom.js';
import { errorWords, postForFile } from '../api.js';
import { defineTexts } from '../i18n.js';
import type { PageDef, StaffRole } from '../page.js';

/** Who may export a borrower's data; the server checks again (server/borrowerExport/borrowerExportRoutes.ts). */
export const EXPORT_ROLES: readonly StaffRole[] = ['supervisor', 'admin'];

export const exportTexts = defineTexts({
  zh: {
    title: '客户数据导出',
    link: '导出客户数据',
    back: '← 返回',
    borrower: '客户编号',
    intro: '依据《个人信息保护法》第四十五条，应客户本人的请求导出其个人信息和贷款记录（身份信息、授权、申请与审批、额度、借款、还款计划与还款、账务、联系记录、对话内容、工单）。',
    warning: '文件包含完整的身份证号和手机号：请仅通过核实过的渠道交给客户本人。每次导出都会连同请求编号记入审计日志。',
    requestRef: '客户请求编号（必填）',
    requestRefHint: '例如客户提交申请的工单号或信函编号，1–64 个字符。',
    format: '文件格式',
    json: 'JSON（一个文件，按类别分节）',
    csv: 'CSV（一个表格文件：类别、行号、字段、值）',
    download: '下载',
    downloading: '正在生成文件…',
    downloaded: '已下载 {file}，已记入审计日志。',
    refRequired: '请填写客户请求编号。',
  },
  en: {
    title: 'Borrower data export',
    link: 'Export borrower data',
    back: '← Back',
    borrower: 'Borrower id',
    intro: 'On the borrower’s own request (PIPL art. 45), export their personal information and loan records (identity, consents, applications and decisions, credit lines, drawdowns, schedules and repayments, ledger, contact logs, chat transcripts, work orders).',
    warning: 'The file holds the full ID number and phone: hand it only to the borrower, through a verified channel. Every export is recorded in the audit log with the request reference.',
    requestRef: 'Request reference (required)',
    requestRefHint: 'E.g. the work order or letter number of the borrower’s request, 1–64 characters.',
    format: 'File format',
    json: 'JSON (one file, in sections)',
    csv: 'CSV (one sheet: section, row, field, value)',
    download: 'Download',
    downloading: 'Preparing the file…',
    downloaded: 'Downloaded {file}; recorded in the audit log.',
    refRequired: 'Enter the request reference.',
  },
});
const t = exportTexts;

/** Saves a downloaded file the way a link with `download` does. */
function save(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: fileName, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** A borrower's data export (POST /api/v1/staff/borrowers/:id/export), reached from the conversation page's borrower details. */
export const borrowerExportPage: PageDef = {
  path: '/borrowers/:id/export',
  title: () => t('title'),
  roles: EXPORT_ROLES,
  nav: false,
  render(ctx) {
    const borrowerId = ctx.params.id!;
    const ref = h('input', { id: 'export-ref', name: 'requestRef', maxlength: '64', 'aria-required': 'true', autocomplete: 'off', 'aria-describedby': 'export-ref-hint' });
    const radio = (value: 'json' | 'csv', checked: boolean) => h('input', { type: 'radio', id: `export-${value}`, name: 'format', value, ...(checked ? { checked: true } : {}) });
    const json = radio('json', true);
    const csv = radio('csv', false);
    const button = h('button', { class: 'primary', type: 'submit' }, t('download'));
    const status = h('p', { class: 'hint', role: 'status', 'aria-live': 'polite' });
    const form = h(
      'form',
      { class: 'card export-form', 'aria-label': t('title') },
      h('label', { class: 'filter', for: 'export-ref' }, h('span', {}, t('requestRef')), ref),
      h('p', { id: 'export-ref-hint', class: 'hint' }, t('requestRefHint')),
      h('fieldset', {}, h('legend', {}, t('format')), h('label', { for: 'export-json', class: 'check' }, json, t('json')), h('label', { for: 'export-csv', class: 'check' }, csv, t('csv'))),
      button,
      status,
    );
    let left = false;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const requestRef = ref.value.trim();
      if (!requestRef) {
        status.textContent = t('refRequired');
        ref.focus();
        return;
      }
      button.disabled = true;
      status.textContent = t('downloading');
      void postForFile(`/api/v1/staff/borrowers/${encodeURIComponent(borrowerId)}/export`, { format: csv.checked ? 'csv' : 'json', requestRef })
        .then(
          ({ blob, fileName }) => {
            if (left) return;
            save(blob, fileName);
            status.textContent = t('downloaded', { file: fileName });
          },
          (e: unknown) => {
            if (left) return;
            status.textContent = errorWords(e);
            ctx.say(errorWords(e));
          },
        )
        .finally(() => (button.disabled = false));
    });
    ctx.root.append(
      h('p', { class: 'back' }, h('a', { href: '#/queue', 'data-back': '' }, t('back'))),
      h('h2', { class: 'page-title' }, t('title')),
      h('section', { class: 'card', 'aria-labelledby': 'export-intro' }, h('p', { id: 'export-intro' }, t('intro')), h('p', {}, h('strong', {}, t('warning'))), h('dl', { class: 'kv' }, h('div', { class: 'kv-row' }, h('dt', {}, t('borrower')), h('dd', {}, h('code', {}, borrowerId))))),
      form,
    );
    // Back to wherever the person came from (a conversation, the audit log), not always the queue.
    ctx.root.querySelector('[data-back]')!.addEventListener('click', (e) => {
      if (history.length > 1) {
        e.preventDefault();
        history.back();
      }
    });
    return () => {
      left = true;
    };
  },
};
