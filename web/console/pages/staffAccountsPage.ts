import { z } from 'zod';
import { h } from '../../shared/dom.js';
import { api, errorWords } from '../api.js';
import { defineTexts, tr } from '../i18n.js';
import { type PageDef, type StaffRole, newestOnly } from '../page.js';

const t = defineTexts({
  zh: {
    title: '员工账号',
    intro: '新建账号时若不填密码，系统生成一次性密码，只显示这一次，请当面或通过安全渠道交给本人。停用账号或重置密码会立即结束其所有登录。',
    username: '用户名',
    name: '姓名',
    employeeNo: '工号',
    branch: '网点/部门',
    roles: '角色',
    password: '初始密码（可不填）',
    create: '新建账号',
    created: '已新建 {username}。',
    oneTime: '{username} 的一次性密码：{password}（只显示这一次）',
    disable: '停用',
    enable: '启用',
    reset: '重置密码',
    disabled: '已停用 {username}，结束登录 {n} 个。',
    enabled: '已启用 {username}。',
    active: '在用',
    inactive: '已停用',
    service: '接口账号',
    status: '状态',
    act: '操作',
    confirmDisable: '停用 {username}？其所有登录会立即结束。',
    confirmReset: '重置 {username} 的密码？其所有登录会立即结束。',
    pickRole: '请至少选择一个角色。',
    resetDone: '已重置 {username} 的密码，结束登录 {n} 个。',
  },
  en: {
    title: 'Staff accounts',
    intro: 'Leave the password empty to have a one-time password generated; it is shown this once only — hand it over in person or by a secure channel. Disabling an account or resetting its password ends all its sessions at once.',
    username: 'Username',
    name: 'Name',
    employeeNo: 'Staff no.',
    branch: 'Branch',
    roles: 'Roles',
    password: 'Initial password (optional)',
    create: 'Create account',
    created: 'Created {username}.',
    oneTime: 'One-time password for {username}: {password} (shown this once only)',
    disable: 'Disable',
    enable: 'Enable',
    reset: 'Reset password',
    disabled: 'Disabled {username}; {n} session(s) ended.',
    enabled: 'Enabled {username}.',
    active: 'Active',
    inactive: 'Disabled',
    service: 'API account',
    status: 'Status',
    act: 'Actions',
    confirmDisable: 'Disable {username}? All their sessions end at once.',
    confirmReset: "Reset {username}'s password? All their sessions end at once.",
    pickRole: 'Choose at least one role.',
    resetDone: "Reset {username}'s password; {n} session(s) ended.",
  },
});

const ROLES: readonly StaffRole[] = ['agent', 'supervisor', 'reviewer', 'manager', 'admin'];
const accountSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  employeeNo: z.string().nullable(),
  branch: z.string().nullable(),
  roles: z.array(z.enum(ROLES as [StaffRole, ...StaffRole[]])),
  kind: z.string(),
  active: z.boolean(),
});
type Account = z.infer<typeof accountSchema>;
const listSchema = z.object({ accounts: z.array(accountSchema) });
const changedSchema = z.object({ account: accountSchema, sessionsEnded: z.number().optional(), oneTimePassword: z.string().optional() });

/** Admins list, create, disable, enable staff accounts and reset their passwords (the same API as `npm run staff`). */
export const staffAccountsPage: PageDef = {
  path: '/accounts',
  title: () => t('title'),
  roles: ['admin'],
  nav: true,
  render(ctx) {
    const secret = h('p', { class: 'notice', role: 'status' });
    secret.hidden = true;
    const showSecret = (username: string, password: string | undefined) => {
      secret.hidden = !password;
      secret.textContent = password ? t('oneTime', { username, password }) : '';
    };
    const body = h('tbody');
    const input = (id: string, attrs: Record<string, string | boolean> = {}) => h('input', { id, name: id, ...attrs });
    const username = input('acc-username', { required: true, minlength: '3', maxlength: '32', autocomplete: 'off', spellcheck: 'false' });
    const name = input('acc-name', { required: true, maxlength: '32' });
    const employeeNo = input('acc-no', { maxlength: '32' });
    const branch = input('acc-branch', { maxlength: '32' });
    const password = input('acc-password', { type: 'password', maxlength: '256', autocomplete: 'new-password' });
    const roleBoxes = ROLES.map((role) => ({ role, box: h('input', { type: 'checkbox', id: `acc-role-${role}`, name: 'roles', value: role }) }));
    const formError = h('p', { class: 'form-error', role: 'alert' });
    const labelled = (id: string, label: string, el: HTMLElement) => h('label', { class: 'filter', for: id }, h('span', {}, label), el);
    const form = h(
      'form',
      { class: 'filters card', 'aria-label': t('create') },
      labelled('acc-username', t('username'), username),
      labelled('acc-name', t('name'), name),
      labelled('acc-no', t('employeeNo'), employeeNo),
      labelled('acc-branch', t('branch'), branch),
      labelled('acc-password', t('password'), password),
      h('fieldset', { class: 'roles' }, h('legend', {}, t('roles')), ...roleBoxes.map(({ role, box }) => h('label', { for: box.id, class: 'check' }, box, tr(`role.${role}`)))),
      formError,
      h('button', { class: 'primary', type: 'submit' }, t('create')),
    );

    let stale = false;
    const load = newestOnly(async (current) => {
      try {
        const { accounts } = await api('GET', '/api/v1/staff/accounts', { schema: listSchema });
        if (!stale && current()) body.replaceChildren(...accounts.map(row));
      } catch (e) {
        ctx.say(errorWords(e));
      }
    });
    const act = async (path: string, done: (a: z.infer<typeof changedSchema>) => string) => {
      try {
        const answer = await api('POST', path, { body: {}, schema: changedSchema });
        ctx.say(done(answer));
        showSecret(answer.account.username, answer.oneTimePassword);
        await load();
      } catch (e) {
        ctx.say(errorWords(e));
      }
    };
    function row(a: Account): HTMLTableRowElement {
      const buttons: HTMLElement[] = [];
      if (a.kind === 'person') {
        buttons.push(
          a.active
            ? h('button', { class: 'secondary', type: 'button', 'data-act': 'disable' }, t('disable'))
            : h('button', { class: 'secondary', type: 'button', 'data-act': 'enable' }, t('enable')),
          h('button', { class: 'secondary', type: 'button', 'data-act': 'reset' }, t('reset')),
        );
        for (const b of buttons) {
          b.setAttribute('aria-label', `${b.textContent} ${a.username}`);
          b.addEventListener('click', () => {
            const which = b.getAttribute('data-act');
            if (which === 'disable' && confirm(t('confirmDisable', { username: a.username }))) void act(`/api/v1/staff/accounts/${a.id}/disable`, (x) => t('disabled', { username: x.account.username, n: x.sessionsEnded ?? 0 }));
            if (which === 'enable') void act(`/api/v1/staff/accounts/${a.id}/enable`, (x) => t('enabled', { username: x.account.username }));
            if (which === 'reset' && confirm(t('confirmReset', { username: a.username }))) void act(`/api/v1/staff/accounts/${a.id}/reset-password`, (x) => t('resetDone', { username: x.account.username, n: x.sessionsEnded ?? 0 }));
          });
        }
      }
      return h(
        'tr',
        {},
        h('td', {}, a.username),
        h('td', {}, a.displayName),
        h('td', {}, a.employeeNo ?? ''),
        h('td', {}, a.branch ?? ''),
        h('td', {}, a.roles.map((r) => tr(`role.${r}`)).join('、')),
        h('td', {}, h('span', { class: a.active ? 'tag ok' : 'tag warn' }, a.kind === 'service' ? t('service') : a.active ? t('active') : t('inactive'))),
        h('td', { class: 'row-actions' }, ...buttons),
      );
    }
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const roles = roleBoxes.filter((r) => r.box.checked).map((r) => r.role);
      formError.textContent = roles.length ? '' : t('pickRole');
      if (!roles.length) return;
      const bodyOf = {
        username: username.value.trim(),
        displayName: name.value.trim(),
        roles,
        ...(employeeNo.value.trim() ? { employeeNo: employeeNo.value.trim() } : {}),
        ...(branch.value.trim() ? { branch: branch.value.trim() } : {}),
        ...(password.value ? { password: password.value } : {}),
      };
      api('POST', '/api/v1/staff/accounts', { body: bodyOf, schema: changedSchema })
        .then(async (answer) => {
          ctx.say(t('created', { username: answer.account.username }));
          showSecret(answer.account.username, answer.oneTimePassword);
          form.reset();
          await load();
        })
        .catch((err: unknown) => {
          formError.textContent = errorWords(err);
        });
    });
    ctx.root.append(
      h('h2', {}, t('title')),
      h('p', { class: 'hint' }, t('intro')),
      form,
      secret,
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'grid', 'aria-label': t('title') },
          h('thead', {}, h('tr', {}, ...[t('username'), t('name'), t('employeeNo'), t('branch'), t('roles'), t('status'), t('act')].map((x) => h('th', {}, x)))),
          body,
        ),
      ),
    );
    void load();
    return () => {
      stale = true;
    };
  },
};
