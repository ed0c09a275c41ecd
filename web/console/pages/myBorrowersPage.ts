import { z } from 'zod';
import { h } from '../../shared/dom.js';
import { api, errorWords } from '../api.js';
import { FUNNEL_STAGE_KEYS, renderFunnel, type FunnelReportView } from '../charts.js';
import { defineTexts } from '../i18n.js';
import { type PageDef, newestOnly } from '../page.js';

const t = defineTexts({
  zh: {
    title: '我的客户',
    intro: '通过您的链接或二维码来的客户（首次接触归属），姓名和手机号已脱敏。二维码可下载打印；扫码计为“二维码”来源。',
    manager: '客户经理',
    codes: '我的推广码',
    myCode: '个人码',
    branchCode: '网点码',
    link: '链接',
    download: '下载',
    oa: '公众号二维码',
    oaNotConfigured: '未配置公众号，无法生成公众号二维码。',
    oaFailed: '公众号二维码生成失败：{reason}',
    borrowers: '客户',
    name: '姓名',
    phone: '手机号',
    stage: '阶段',
    touch: '来源',
    touchAt: '首次接触',
    none: '还没有归属于您的客户。',
    funnel: '转化漏斗',
    count: '人数',
    noFunnel: '暂无漏斗数据。',
    noManager: '还没有客户经理。',
    qrAlt: '{ref} 的二维码',
    'stage.overdue': '逾期',
    'stage.drawn': '已用款',
    'stage.line_open': '已开通额度',
    'stage.approved': '已批准',
    'stage.declined': '未通过',
    'stage.in_review': '人工审批中',
    'stage.authorised': '已授权',
    'stage.applied': '已申请',
    'stage.brought': '已接触',
    'funnel.sent': '已发送',
    'funnel.delivered': '已送达',
    'funnel.clicked': '已点击',
    'funnel.applied': '已申请',
    'funnel.authorised': '已授权',
    'funnel.approved': '已批准',
    'funnel.drawn': '已用款',
  },
  en: {
    title: 'My borrowers',
    intro: 'Borrowers who came through your links or QR codes (first touch), names and mobiles masked. Download the QR codes to print; scans count as source “QR”.',
    manager: 'Manager',
    codes: 'My codes',
    myCode: 'Personal code',
    branchCode: 'Branch code',
    link: 'Link',
    download: 'Download',
    oa: 'Official-account QR',
    oaNotConfigured: 'The official account is not configured: no official-account QR code.',
    oaFailed: 'The official-account QR code could not be made: {reason}',
    borrowers: 'Borrowers',
    name: 'Name',
    phone: 'Mobile',
    stage: 'Stage',
    touch: 'Source',
    touchAt: 'First touch',
    none: 'No borrowers attributed to you yet.',
    funnel: 'Funnel',
    count: 'People',
    noFunnel: 'No funnel data yet.',
    noManager: 'No managers yet.',
    qrAlt: 'QR code of {ref}',
    'stage.overdue': 'Overdue',
    'stage.drawn': 'Drawn',
    'stage.line_open': 'Line open',
    'stage.approved': 'Approved',
    'stage.declined': 'Declined',
    'stage.in_review': 'In manual review',
    'stage.authorised': 'Authorised',
    'stage.applied': 'Applied',
    'stage.brought': 'Touched',
    'funnel.sent': 'Sent',
    'funnel.delivered': 'Delivered',
    'funnel.clicked': 'Clicked',
    'funnel.applied': 'Applied',
    'funnel.authorised': 'Authorised',
    'funnel.approved': 'Approved',
    'funnel.drawn': 'Drawn',
  },
});

const managerSchema = z.object({ id: z.string(), displayName: z.string(), employeeNo: z.string().nullable(), branch: z.string().nullable(), referralCode: z.string().nullable() });
const bookSchema = z.object({
  manager: managerSchema.nullable(),
  managers: z.array(managerSchema),
  borrowers: z.array(z.object({ borrowerId: z.string(), name: z.string(), phone: z.string().nullable(), stage: z.string(), firstTouch: z.string().nullable(), firstTouchAt: z.string().nullable() })),
});
const codeSchema = z.object({
  ref: z.string(),
  label: z.string(),
  link: z.string(),
  qrPng: z.string(),
  qrSvg: z.string(),
  officialAccount: z.union([z.object({ status: z.literal('ready'), imageUrl: z.string() }), z.object({ status: z.literal('not_configured') }), z.object({ status: z.literal('failed'), reason: z.string() })]),
});
const funnelSchema = z.object({ stages: z.array(z.object({ stage: z.enum(FUNNEL_STAGE_KEYS), count: z.number() })), series: z.array(z.object({ date: z.string() }).catchall(z.number())) });

const dateTime = (iso: string | null) => (iso ? new Date(iso).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false }) : '');

/** A manager's book (我的客户): their codes, their borrowers with each one's stage, and their funnel; supervisors and admins pick a manager. */
export const myBorrowersPage: PageDef = {
  path: '/my-borrowers',
  title: () => t('title'),
  roles: ['manager', 'supervisor', 'admin'],
  nav: true,
  render(ctx) {
    const picker = h('select', { id: 'book-manager', name: 'book-manager' });
    const pickerLabel = h('label', { class: 'filter', for: 'book-manager' }, h('span', {}, t('manager')), picker);
    pickerLabel.hidden = true;
    const codes = h('section', { class: 'codes', 'aria-label': t('codes') });
    const body = h('tbody');
    const funnel = h('section', { 'aria-label': t('funnel') });
    let stale = false;

    const codeCard = async (title: string, path: string): Promise<HTMLElement | null> => {
      let code: z.infer<typeof codeSchema>;
      try {
        code = await api('GET', path, { schema: codeSchema });
      } catch (e) {
        return h('article', { class: 'card' }, h('h4', {}, title), h('p', { class: 'form-error' }, errorWords(e)));
      }
      const oa = code.officialAccount;
      return h(
        'article',
        { class: 'card code-card', 'aria-label': `${title} ${code.ref}` },
        h('h4', {}, `${title}：${code.label}`),
        h('p', {}, `${t('link')}：`, h('a', { href: code.link, target: '_blank', rel: 'noopener' }, code.link)),
        h('img', { src: code.qrPng, alt: t('qrAlt', { ref: code.ref }), width: '160', height: '160' }),
        h('p', {}, h('a', { href: `${code.qrPng}?download=1`, download: `${code.ref}.png` }, `${t('download')} PNG`), ' · ', h('a', { href: `${code.qrSvg}?download=1`, download: `${code.ref}.svg` }, `${t('download')} SVG`)),
        oa.status === 'ready'
          ? h('p', {}, `${t('oa')}：`, h('a', { href: oa.imageUrl, target: '_blank', rel: 'noopener' }, oa.imageUrl))
          : h('p', { class: 'hint' }, oa.status === 'failed' ? t('oaFailed', { reason: oa.reason }) : t('oaNotConfigured')),
      );
    };

    let undoChart: (() => void) | undefined;
    const showFunnel = async (managerId: string) => {
      let stages: { stage: string; count: number }[] = [];
      let report: FunnelReportView | undefined;
      try {
        const answer = await api('GET', `/api/v1/staff/studio/funnel?managerId=${encodeURIComponent(managerId)}`, { schema: funnelSchema });
        stages = answer.stages;
        report = answer as unknown as FunnelReportView;
      } catch {
        stages = [];
      }
      undoChart?.();
      const chart = h('div', { class: 'funnel-chart' });
      funnel.replaceChildren(
        h('h3', {}, t('funnel')),
        stages.length
          ? h('table', { class: 'grid', 'aria-label': t('funnel') }, h('thead', {}, h('tr', {}, h('th', {}, t('stage')), h('th', {}, t('count')))), h('tbody', {}, ...stages.map((s) => h('tr', {}, h('td', {}, t(`funnel.${s.stage}` as 'funnel.sent')), h('td', {}, String(s.count))))))
          : h('p', { class: 'hint' }, t('noFunnel')),
        chart,
      );
      // The same report drawn (funnel and stages by day; charts.ts, drawn when ECharts has loaded).
      if (report) undoChart = renderFunnel(chart, report);
    };

    const load = newestOnly(async (current) => {
      try {
        const chosen = picker.value;
        const book = await api('GET', `/api/v1/staff/studio/my-borrowers${chosen ? `?managerId=${encodeURIComponent(chosen)}` : ''}`, { schema: bookSchema });
        if (stale || !current()) return;
        if (book.managers.length) {
          pickerLabel.hidden = false;
          picker.replaceChildren(...book.managers.map((m) => h('option', { value: m.id }, `${m.displayName}${m.employeeNo ? ` (${m.employeeNo})` : ''}`)));
          if (book.manager) picker.value = book.manager.id;
        }
        const m = book.manager;
        if (!m) {
          codes.replaceChildren(h('p', { class: 'hint' }, t('noManager')));
          body.replaceChildren();
          funnel.replaceChildren();
          return;
        }
        body.replaceChildren(
          ...(book.borrowers.length
            ? book.borrowers.map((b) => h('tr', {}, h('td', {}, b.name), h('td', {}, b.phone ?? ''), h('td', {}, h('span', { class: b.stage === 'overdue' ? 'tag warn' : 'tag' }, t(`stage.${b.stage}` as 'stage.applied'))), h('td', {}, b.firstTouch ?? ''), h('td', {}, dateTime(b.firstTouchAt))))
            : [h('tr', {}, h('td', { colspan: '5' }, t('none')))]),
        );
        const cards = await Promise.all([
          m.referralCode ? codeCard(t('myCode'), `/api/v1/staff/studio/codes/manager/${encodeURIComponent(m.referralCode)}`) : null,
          m.branch ? codeCard(t('branchCode'), `/api/v1/staff/studio/codes/branch/${encodeURIComponent(m.branch)}`) : null,
        ]);
        if (stale || !current()) return;
        codes.replaceChildren(h('h3', {}, t('codes')), ...cards.filter((c): c is HTMLElement => c !== null));
        await showFunnel(m.id);
      } catch (e) {
        ctx.say(errorWords(e));
      }
    });
    picker.addEventListener('change', () => void load());
    ctx.root.append(
      h('h2', {}, t('title')),
      h('p', { class: 'hint' }, t('intro')),
      pickerLabel,
      codes,
      h('h3', {}, t('borrowers')),
      h('div', { class: 'table-wrap' }, h('table', { class: 'grid', 'aria-label': t('borrowers') }, h('thead', {}, h('tr', {}, ...[t('name'), t('phone'), t('stage'), t('touch'), t('touchAt')].map((x) => h('th', {}, x)))), body)),
      funnel,
    );
    void load();
    return () => {
      stale = true;
      undoChart?.();
    };
  },
};
