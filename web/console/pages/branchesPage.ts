import { z } from 'zod';
import { h } from '../../shared/dom.js';
import { api, errorWords } from '../api.js';
import { defineTexts } from '../i18n.js';
import { type PageDef, newestOnly } from '../page.js';

const t = defineTexts({
  zh: {
    title: '网点与客户经理',
    intro: '管理员新建、修改、停用网点，并把员工账号设为某网点的客户经理（自动加上客户经理角色；没有推荐码的按工号生成）。推荐码印在客户经理的链接和二维码上，用于归属客户。主管可查看。',
    newBranch: '新建网点',
    code: '网点代码',
    name: '网点名称',
    parent: '上级网点代码（可不填）',
    create: '新建',
    created: '已新建网点 {code}。',
    managers: '客户经理',
    status: '状态',
    act: '操作',
    active: '在用',
    inactive: '已停用',
    deactivate: '停用',
    activate: '启用',
    deactivated: '已停用网点 {code}。',
    activated: '已启用网点 {code}。',
    confirmDeactivate: '停用网点 {code}？其推广码将不再归属新客户。',
    assign: '设为客户经理',
    staff: '员工',
    branch: '网点',
    referralCode: '推荐码（可不填）',
    assigned: '{name} 已成为 {branch} 的客户经理，推荐码 {code}。',
    none: '暂无网点。',
    pick: '请选择',
  },
  en: {
    title: 'Branches & managers',
    intro: 'Admins create, edit and deactivate branches and make a staff account a manager of a branch (the manager role is added; without a referral code one is made from their staff no.). The referral code is printed on the manager’s links and QR codes and attributes the borrowers they bring. Supervisors may read.',
    newBranch: 'New branch',
    code: 'Branch code',
    name: 'Branch name',
    parent: 'Parent branch code (optional)',
    create: 'Create',
    created: 'Created branch {code}.',
    managers: 'Managers',
    status: 'Status',
    act: 'Actions',
    active: 'Active',
    inactive: 'Deactivated',
    deactivate: 'Deactivate',
    activate: 'Activate',
    deactivated: 'Deactivated branch {code}.',
    activated: 'Activated branch {code}.',
    confirmDeactivate: 'Deactivate branch {code}? Its codes will no longer attribute new borrowers.',
    assign: 'Make manager',
    staff: 'Staff member',
    branch: 'Branch',
    referralCode: 'Referral code (optional)',
    assigned: '{name} is now a manager of {branch}, referral code {code}.',
    none: 'No branches yet.',
    pick: 'Choose',
  },
});

const managerSchema = z.object({ id: z.string(), displayName: z.string(), employeeNo: z.string().nullable(), referralCode: z.string().nullable(), active: z.boolean() });
const branchSchema = z.object({ code: z.string(), name: z.string(), parentCode: z.string().nullable(), active: z.boolean() });
const listSchema = z.object({
  branches: z.array(branchSchema.extend({ managers: z.array(managerSchema) })),
  staff: z.array(z.object({ id: z.string(), username: z.string(), displayName: z.string(), employeeNo: z.string().nullable(), branch: z.string().nullable(), active: z.boolean() })),
});
const assignedSchema = z.object({ manager: z.object({ displayName: z.string(), branch: z.string().nullable(), referralCode: z.string().nullable() }) });

/** Branches (网点) and their managers: admins create, deactivate and assign; supervisors read (the server checks every call). */
export const branchesPage: PageDef = {
  path: '/branches',
  title: () => t('title'),
  roles: ['admin', 'supervisor'],
  nav: true,
  render(ctx) {
    const isAdmin = ctx.staff.roles.includes('admin');
    const body = h('tbody');
    const input = (id: string, attrs: Record<string, string | boolean> = {}) => h('input', { id, name: id, ...attrs });
    const labelled = (id: string, label: string, el: HTMLElement) => h('label', { class: 'filter', for: id }, h('span', {}, label), el);
    const code = input('br-code', { required: true, maxlength: '40', pattern: '[A-Za-z0-9_-]+', autocomplete: 'off' });
    const name = input('br-name', { required: true, maxlength: '40' });
    const parent = input('br-parent', { maxlength: '40', pattern: '[A-Za-z0-9_-]+' });
    const createError = h('p', { class: 'form-error', role: 'alert' });
    const createForm = h('form', { class: 'filters card', 'aria-label': t('newBranch') }, labelled('br-code', t('code'), code), labelled('br-name', t('name'), name), labelled('br-parent', t('parent'), parent), createError, h('button', { class: 'primary', type: 'submit' }, t('create')));

    const staffSelect = h('select', { id: 'mgr-staff', name: 'mgr-staff', required: true });
    const branchSelect = h('select', { id: 'mgr-branch', name: 'mgr-branch', required: true });
    const referral = input('mgr-code', { maxlength: '40', pattern: '[A-Za-z0-9_-]+', autocomplete: 'off' });
    const assignError = h('p', { class: 'form-error', role: 'alert' });
    const assignForm = h('form', { class: 'filters card', 'aria-label': t('assign') }, labelled('mgr-staff', t('staff'), staffSelect), labelled('mgr-branch', t('branch'), branchSelect), labelled('mgr-code', t('referralCode'), referral), assignError, h('button', { class: 'primary', type: 'submit' }, t('assign')));

    let stale = false;
    const load = newestOnly(async (current) => {
      try {
        const list = await api('GET', '/api/v1/staff/studio/branches', { schema: listSchema });
        if (stale || !current()) return;
        body.replaceChildren(...(list.branches.length ? list.branches.map(row) : [h('tr', {}, h('td', { colspan: '6' }, t('none')))]));
        staffSelect.replaceChildren(h('option', { value: '' }, t('pick')), ...list.staff.filter((s) => s.active).map((s) => h('option', { value: s.id }, `${s.displayName}${s.employeeNo ? ` (${s.employeeNo})` : ''} · ${s.username}`)));
        branchSelect.replaceChildren(h('option', { value: '' }, t('pick')), ...list.branches.filter((b) => b.active).map((b) => h('option', { value: b.code }, `${b.code} ${b.name}`)));
      } catch (e) {
        ctx.say(errorWords(e));
      }
    });
    function row(b: z.infer<typeof listSchema>['branches'][number]): HTMLTableRowElement {
      const toggle = h('button', { class: 'secondary', type: 'button', 'aria-label': `${b.active ? t('deactivate') : t('activate')} ${b.code}` }, b.active ? t('deactivate') : t('activate'));
      toggle.addEventListener('click', () => {
        if (b.active && !confirm(t('confirmDeactivate', { code: b.code }))) return;
        api('POST', `/api/v1/staff/studio/branches/${encodeURIComponent(b.code)}`, { body: { active: !b.active } })
          .then(async () => {
            ctx.say(b.active ? t('deactivated', { code: b.code }) : t('activated', { code: b.code }));
            await load();
          })
          .catch((e: unknown) => ctx.say(errorWords(e)));
      });
      return h(
        'tr',
        {},
        h('td', {}, b.code),
        h('td', {}, b.name),
        h('td', {}, b.parentCode ?? ''),
        h('td', {}, b.managers.map((m) => `${m.displayName}${m.employeeNo ? ` (${m.employeeNo})` : ''}${m.referralCode ? ` · mgr_${m.referralCode}` : ''}`).join('；')),
        h('td', {}, h('span', { class: b.active ? 'tag ok' : 'tag warn' }, b.active ? t('active') : t('inactive'))),
        h('td', { class: 'row-actions' }, isAdmin ? toggle : null),
      );
    }
    createForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const bodyOf = { code: code.value.trim(), name: name.value.trim(), ...(parent.value.trim() ? { parentCode: parent.value.trim() } : {}) };
      api('POST', '/api/v1/staff/studio/branches', { body: bodyOf })
        .then(async () => {
          createError.textContent = '';
          ctx.say(t('created', { code: bodyOf.code }));
          createForm.reset();
          await load();
        })
        .catch((err: unknown) => {
          createError.textContent = errorWords(err);
        });
    });
    assignForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const bodyOf = { staffId: staffSelect.value, branch: branchSelect.value, ...(referral.value.trim() ? { referralCode: referral.value.trim() } : {}) };
      api('POST', '/api/v1/staff/studio/managers', { body: bodyOf, schema: assignedSchema })
        .then(async ({ manager }) => {
          assignError.textContent = '';
          ctx.say(t('assigned', { name: manager.displayName, branch: manager.branch ?? '', code: manager.referralCode ?? '' }));
          assignForm.reset();
          await load();
        })
        .catch((err: unknown) => {
          assignError.textContent = errorWords(err);
        });
    });
    ctx.root.append(
      h('h2', {}, t('title')),
      h('p', { class: 'hint' }, t('intro')),
      ...(isAdmin ? [createForm, assignForm] : []),
      h(
        'div',
        { class: 'table-wrap' },
        h('table', { class: 'grid', 'aria-label': t('title') }, h('thead', {}, h('tr', {}, ...[t('code'), t('name'), t('parent'), t('managers'), t('status'), t('act')].map((x) => h('th', {}, x)))), body),
      ),
    );
    void load();
    return () => {
      stale = true;
    };
  },
};
