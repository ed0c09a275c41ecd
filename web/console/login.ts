import { h } from '../shared/dom.js';
import { api, errorWords } from './api.js';
import { tr } from './i18n.js';
import type { Staff } from './page.js';

export interface LoginAnswer {
  readonly staff: Staff;
  readonly csrfToken: string;
}

/** The login form; calls `done` with the new session's staff member and CSRF token. */
export function renderLogin(root: HTMLElement, notice: string | undefined, done: (answer: LoginAnswer) => void): void {
  const error = h('p', { class: 'form-error', role: 'alert' });
  const username = h('input', { id: 'login-username', name: 'username', autocomplete: 'username', required: true, maxlength: '64', spellcheck: 'false' });
  const password = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true, maxlength: '256' });
  const submit = h('button', { class: 'primary', type: 'submit' }, tr('login.submit'));
  const form = h(
    'form',
    { class: 'login card', 'aria-labelledby': 'login-title' },
    h('h2', { id: 'login-title' }, tr('login.title')),
    notice ? h('p', { class: 'notice' }, notice) : null,
    h('label', { for: 'login-username' }, tr('login.username')),
    username,
    h('label', { for: 'login-password' }, tr('login.password')),
    password,
    error,
    submit,
    h('p', { class: 'hint' }, tr('login.hint')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit.disabled = true;
    submit.textContent = tr('login.busy');
    error.textContent = '';
    api<LoginAnswer>('POST', '/api/v1/staff/login', { body: { username: username.value, password: password.value } })
      .then((answer) => done(answer))
      .catch((err: unknown) => {
        error.textContent = errorWords(err);
        password.value = '';
        password.focus();
      })
      .finally(() => {
        submit.disabled = false;
        submit.textContent = tr('login.submit');
      });
  });
  root.replaceChildren(form);
  username.focus();
}
