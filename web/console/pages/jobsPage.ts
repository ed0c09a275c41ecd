import { z } from 'zod';
import { h } from '../../shared/dom.js';
import { api, errorWords } from '../api.js';
import { defineTexts } from '../i18n.js';
import { type PageDef, newestOnly } from '../page.js';

const t = defineTexts({
  zh: {
    title: '作业',
    intro: '后台作业由作业运行器（pg-boss）执行：失败的作业按退避重试，重试用尽后进入死信队列，可在此重试。会话与工单的到期任务存放在 Job 表，由 deadline.sweep 队列按时触发。',
    off: '本进程未启动作业运行器（JOBS_POLL_MS=0）：只显示到期任务。',
    clock: '营业日',
    businessDate: '当前营业日：{date}（比系统时间快 {days} 天）',
    clockOff: '不能推进营业日：{reason}',
    days: '推进天数',
    advance: '推进营业日',
    advancing: '正在推进营业日并运行每日作业……',
    advanced: '营业日已推进到 {date}。',
    noJobs: '（尚未登记每日作业）',
    queues: '队列',
    queue: '队列',
    policy: '策略',
    queued: '待执行',
    deferred: '延后',
    active: '执行中',
    failed: '失败',
    deadLetter: '死信队列',
    failures: '失败的作业',
    dead: '死信',
    id: '作业编号',
    error: '错误',
    retries: '已重试',
    at: '时间',
    act: '操作',
    retry: '重试',
    retried: '已重新排队 {id}。',
    none: '没有。',
    schedules: '定时计划',
    cron: 'Cron 表达式',
    tz: '时区',
    due: '到期任务（Job 表）',
    kind: '类型',
    status: '状态',
    count: '数量',
    nextDue: '下一个到期：{at}',
    nothingDue: '没有待触发的到期任务。',
    failedRows: '失败的到期任务',
    key: '键',
    ok: '成功',
    jobFailed: '失败',
  },
  en: {
    title: 'Jobs',
    intro: 'Background jobs run on the job runner (pg-boss): a failed job is retried with backoff, and after its last retry goes to its dead-letter queue, where it can be retried from here. Conversation and work-order deadlines are due-at rows in the Job table, fired on time by the deadline.sweep queue.',
    off: 'The job runner is not started in this process (JOBS_POLL_MS=0): only the due-at rows are shown.',
    clock: 'Business date',
    businessDate: 'Business date: {date} ({days} days ahead of the system clock)',
    clockOff: 'The business date cannot be moved: {reason}',
    days: 'Days to advance',
    advance: 'Advance business date',
    advancing: 'Advancing the business date and running the daily jobs…',
    advanced: 'The business date is now {date}.',
    noJobs: '(no daily jobs registered yet)',
    queues: 'Queues',
    queue: 'Queue',
    policy: 'Policy',
    queued: 'Ready',
    deferred: 'Deferred',
    active: 'Running',
    failed: 'Failed',
    deadLetter: 'Dead-letter queue',
    failures: 'Failed jobs',
    dead: 'Dead letters',
    id: 'Job id',
    error: 'Error',
    retries: 'Retries',
    at: 'Time',
    act: 'Actions',
    retry: 'Retry',
    retried: 'Queued {id} again.',
    none: 'None.',
    schedules: 'Schedules',
    cron: 'Cron expression',
    tz: 'Time zone',
    due: 'Due-at rows (Job table)',
    kind: 'Kind',
    status: 'Status',
    count: 'Count',
    nextDue: 'Next due: {at}',
    nothingDue: 'Nothing is waiting to fire.',
    failedRows: 'Failed due-at rows',
    key: 'Key',
    ok: 'OK',
    jobFailed: 'Failed',
  },
});

const jobSchema = z.object({ id: z.string(), queue: z.string(), data: z.unknown(), error: z.string(), retryCount: z.number(), createdOn: z.string(), completedOn: z.string().nullable() });
type FailedJob = z.infer<typeof jobSchema>;
const answerSchema = z.object({
  running: z.boolean(),
  queues: z.array(z.object({ name: z.string(), policy: z.string(), deadLetter: z.string().nullable(), queued: z.number(), deferred: z.number(), active: z.number(), failed: z.number(), total: z.number() })),
  failed: z.array(jobSchema),
  dead: z.array(jobSchema),
  schedules: z.array(z.object({ name: z.string(), key: z.string(), cron: z.string(), timezone: z.string() })),
  deadlines: z
    .object({
      byKind: z.array(z.object({ kind: z.string(), status: z.string(), count: z.number() })),
      nextDueAt: z.string().nullable(),
      failed: z.array(z.object({ key: z.string(), kind: z.string(), attempts: z.number(), lastError: z.string().nullable(), dueAt: z.string() })),
    })
    .nullable(),
  demo: z.object({ available: z.boolean(), reason: z.string().optional(), businessDate: z.string().optional(), offsetDays: z.number().optional() }),
});
const advanceSchema = z.object({
  businessDate: z.string(),
  days: z.array(z.object({ date: z.string(), jobs: z.array(z.object({ name: z.string(), ok: z.boolean(), summary: z.unknown() })) })),
});

const shanghaiTime = (iso: string): string => new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
const table = (label: string, heads: readonly string[], rows: readonly HTMLTableRowElement[], empty: string) =>
  rows.length
    ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid', 'aria-label': label }, h('thead', {}, h('tr', {}, ...heads.map((x) => h('th', {}, x)))), h('tbody', {}, ...rows)))
    : h('p', { class: 'muted' }, empty);

/**
 * Admins see the job runner's queues with their counts, failed jobs with their error, dead letters and
 * the cron schedules, retry a failed job or a dead letter (audited), see the due-at rows of the Job
 * table, and in the sandbox move the business date (推进营业日, the same as `npm run demo:advance`).
 */
export const jobsPage: PageDef = {
  path: '/jobs',
  title: () => t('title'),
  roles: ['admin'],
  nav: true,
  render(ctx) {
    const content = h('div');
    const result = h('div', { class: 'card', 'aria-live': 'polite' });
    result.hidden = true;
    let stale = false;

    const retryButton = (job: FailedJob) => {
      const b = h('button', { class: 'secondary', type: 'button', 'aria-label': `${t('retry')} ${job.id}` }, t('retry'));
      b.addEventListener('click', () => {
        b.disabled = true;
        api('POST', '/api/v1/staff/jobs/retry', { body: { queue: job.queue, id: job.id } })
          .then(async () => {
            ctx.say(t('retried', { id: job.id }));
            await load();
          })
          .catch((e: unknown) => {
            b.disabled = false;
            ctx.say(errorWords(e));
          });
      });
      return b;
    };
    const jobRows = (jobs: readonly FailedJob[]) =>
      jobs.map((j) =>
        h(
          'tr',
          {},
          h('td', {}, h('code', {}, j.queue)),
          h('td', {}, h('code', {}, j.id)),
          // The error as text, never markup.
          h('td', { class: 'detail' }, j.error),
          h('td', {}, String(j.retryCount)),
          h('td', { class: 'nowrap' }, shanghaiTime(j.completedOn ?? j.createdOn)),
          h('td', { class: 'row-actions' }, retryButton(j)),
        ),
      );

    const clockCard = (demo: z.infer<typeof answerSchema>['demo']) => {
      if (!demo.available) return h('section', { class: 'card', 'aria-label': t('clock') }, h('h3', {}, t('clock')), h('p', { class: 'muted' }, t('clockOff', { reason: demo.reason ?? '' })));
      const days = h('input', { id: 'jobs-days', name: 'days', type: 'number', min: '1', max: '60', value: '1', required: true });
      const button = h('button', { class: 'primary', type: 'submit' }, t('advance'));
      const form = h('form', { class: 'filters', 'aria-label': t('advance') }, h('label', { class: 'filter', for: 'jobs-days' }, h('span', {}, t('days')), days), button);
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        button.disabled = true;
        ctx.say(t('advancing'));
        api('POST', '/api/v1/staff/demo/advance', { body: { days: Number(days.value) }, schema: advanceSchema })
          .then(async (answer) => {
            if (stale) return;
            ctx.say(t('advanced', { date: answer.businessDate }));
            result.hidden = false;
            result.replaceChildren(
              h('h3', {}, t('advanced', { date: answer.businessDate })),
              h(
                'ul',
                {},
                ...answer.days.map((d) =>
                  h(
                    'li',
                    {},
                    h('strong', {}, d.date),
                    d.jobs.length
                      ? h('ul', {}, ...d.jobs.map((j) => h('li', {}, h('code', {}, j.name), ' ', h('span', { class: j.ok ? 'tag ok' : 'tag warn' }, j.ok ? t('ok') : t('jobFailed')), ' ', h('code', { class: 'detail' }, JSON.stringify(j.summary)))))
                      : h('span', { class: 'muted' }, ` ${t('noJobs')}`),
                  ),
                ),
              ),
            );
            await load();
          })
          .catch((err: unknown) => ctx.say(errorWords(err)))
          .finally(() => {
            button.disabled = false;
          });
      });
      return h('section', { class: 'card', 'aria-label': t('clock') }, h('h3', {}, t('clock')), h('p', {}, t('businessDate', { date: demo.businessDate ?? '', days: demo.offsetDays ?? 0 })), form);
    };

    const load = newestOnly(async (current) => {
      try {
        const a = await api('GET', '/api/v1/staff/jobs', { schema: answerSchema });
        if (stale || !current()) return;
        const parts: HTMLElement[] = [clockCard(a.demo), result];
        if (!a.running) parts.push(h('p', { class: 'notice' }, t('off')));
        else {
          parts.push(
            h('h3', {}, t('queues')),
            table(
              t('queues'),
              [t('queue'), t('policy'), t('queued'), t('deferred'), t('active'), t('failed'), t('deadLetter')],
              // pg-boss's own internal queues (`__pgboss__…`) are not ours to watch.
              a.queues.filter((q) => !q.name.startsWith('__pgboss')).map((q) =>
                h('tr', {}, h('td', {}, h('code', {}, q.name)), h('td', {}, q.policy), h('td', {}, String(q.queued)), h('td', {}, String(q.deferred)), h('td', {}, String(q.active)), h('td', {}, q.failed ? h('span', { class: 'tag warn' }, String(q.failed)) : '0'), h('td', {}, q.deadLetter ?? '')),
              ),
              t('none'),
            ),
            h('h3', {}, t('failures')),
            table(t('failures'), [t('queue'), t('id'), t('error'), t('retries'), t('at'), t('act')], jobRows(a.failed), t('none')),
            h('h3', {}, t('dead')),
            table(t('dead'), [t('queue'), t('id'), t('error'), t('retries'), t('at'), t('act')], jobRows(a.dead), t('none')),
            h('h3', {}, t('schedules')),
            table(t('schedules'), [t('queue'), t('cron'), t('tz')], a.schedules.map((s) => h('tr', {}, h('td', {}, h('code', {}, s.key ? `${s.name} (${s.key})` : s.name)), h('td', {}, h('code', {}, s.cron)), h('td', {}, s.timezone))), t('none')),
          );
        }
        if (a.deadlines) {
          const d = a.deadlines;
          parts.push(
            h('h3', {}, t('due')),
            h('p', { class: 'muted' }, d.nextDueAt ? t('nextDue', { at: shanghaiTime(d.nextDueAt) }) : t('nothingDue')),
            table(t('due'), [t('kind'), t('status'), t('count')], d.byKind.map((r) => h('tr', {}, h('td', {}, h('code', {}, r.kind)), h('td', {}, r.status), h('td', {}, String(r.count)))), t('none')),
          );
          if (d.failed.length) {
            parts.push(
              h('h4', {}, t('failedRows')),
              table(t('failedRows'), [t('kind'), t('key'), t('retries'), t('error'), t('at')], d.failed.map((f) => h('tr', {}, h('td', {}, f.kind), h('td', {}, h('code', {}, f.key)), h('td', {}, String(f.attempts)), h('td', { class: 'detail' }, f.lastError ?? ''), h('td', { class: 'nowrap' }, shanghaiTime(f.dueAt)))), t('none')),
            );
          }
        }
        content.replaceChildren(...parts);
      } catch (e) {
        ctx.say(errorWords(e));
      }
    });

    ctx.root.append(h('h2', {}, t('title')), h('p', { class: 'hint' }, t('intro')), content);
    void load();
    return () => {
      stale = true;
    };
  },
};
