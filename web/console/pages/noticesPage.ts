import { z } from 'zod';
import { h } from '../../shared/dom.js';
import { api, errorWords } from '../api.js';
import { currentLang, defineTexts } from '../i18n.js';
import { type PageDef, newestOnly } from '../page.js';
import { beijing } from './workOrderTexts.js';

const t = defineTexts({
  zh: {
    title: '通知',
    intro: '工单即将到期、已超时督办、分配给您的工单等提醒。',
    none: '暂无通知。',
    unread: '未读',
    markAll: '全部标为已读',
    marked: '已全部标为已读。',
    open: '查看',
  },
  en: {
    title: 'Notices',
    intro: 'Work orders about to fall due, escalated (超时督办), or given to you.',
    none: 'No notices.',
    unread: 'Unread',
    markAll: 'Mark all as read',
    marked: 'All marked as read.',
    open: 'Open',
  },
});

const noticesSchema = z.object({
  notices: z.array(z.object({ id: z.string(), text: z.object({ zh: z.string(), en: z.string() }), link: z.string().nullable(), createdAt: z.string(), readAt: z.string().nullable() })),
  unread: z.number(),
});

/** Every staff member's own notices (GET /api/v1/staff/notices), newest first; the header shows the unread count on every page. */
export const noticesPage: PageDef = {
  path: '/notices',
  title: () => t('title'),
  roles: ['agent', 'supervisor', 'reviewer', 'manager', 'admin'],
  nav: false,
  render(ctx) {
    const list = h('ul', { class: 'notice-list', 'aria-label': t('title') });
    const markAll = h('button', { class: 'secondary', type: 'button' }, t('markAll'));
    let stale = false;
    const load = newestOnly(async (current) => {
      try {
        const { notices, unread } = await api('GET', '/api/v1/staff/notices?limit=100', { schema: noticesSchema });
        if (stale || !current()) return;
        const lang = currentLang();
        markAll.disabled = unread === 0;
        list.replaceChildren(
          ...(notices.length
            ? notices.map((n) =>
                h(
                  'li',
                  { class: n.readAt ? 'notice-item' : 'notice-item unread' },
                  h('span', { class: 'muted' }, beijing(n.createdAt)),
                  ' ',
                  n.readAt ? null : h('span', { class: 'tag warn' }, t('unread')),
                  ' ',
                  // Text as text; a link only inside the console.
                  n.text[lang],
                  n.link?.startsWith('/console') ? h('a', { class: 'row-link', href: `#${n.link.replace(/^\/console#?/, '')}` }, ` ${t('open')}`) : null,
                ),
              )
            : [h('li', { class: 'muted' }, t('none'))]),
        );
      } catch (e) {
        ctx.say(errorWords(e));
      }
    });
    markAll.addEventListener('click', () => {
      api('POST', '/api/v1/staff/notices/read', { body: { all: true } })
        .then(async () => {
          ctx.say(t('marked'));
          window.dispatchEvent(new Event('kd:notices-read'));
          await load();
        })
        .catch((e: unknown) => ctx.say(errorWords(e)));
    });
    ctx.root.append(h('h2', {}, t('title')), h('p', { class: 'hint' }, t('intro')), h('p', {}, markAll), list);
    void load();
    const off = ctx.feed.subscribe('workOrder', () => void load());
    return () => {
      stale = true;
      off();
    };
  },
};
