// `npm run demo:advance -- --days N [--url http://localhost:3000]`: asks a running sandbox server to
// move its business date N days, one day per request so each date's jobs print as they finish. It
// logs in as the demo admin (README's demo staff accounts; --username/--password for another admin).
// The server refuses in production and outside the sandbox (DEMO_CLOCK_REFUSED).
import { parseArgs } from 'node:util';

const USAGE = `usage: npm run demo:advance -- --days N [--url http://localhost:3000] [--username admin] [--password …]

  --days N        business days to move forward, 1 to 400 (one request per day)
  --url <base>    the running server (default http://localhost:<PORT or 3000>)
  --username, --password
                  an admin account (default the sandbox's demo admin, admin / Demo-Root-2026)`;

const fail = (message: string, code = 2): never => {
  console.error(`demo:advance: ${message}`);
  process.exit(code);
};

const { values } = parseArgs({
  options: {
    days: { type: 'string' },
    url: { type: 'string' },
    username: { type: 'string', default: 'admin' },
    password: { type: 'string', default: 'Demo-Root-2026' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const days = Number(values.days);
if (!Number.isInteger(days) || days < 1 || days > 400) fail(`--days must be a whole number from 1 to 400\n${USAGE}`);
const base = (values.url ?? `http://localhost:${process.env.PORT ?? '3000'}`).replace(/\/+$/, '');

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly cookie: string | undefined;
}

async function call(path: string, body: object, headers: Record<string, string> = {}): Promise<Answer> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  } catch (e) {
    return fail(`cannot reach ${base} (${(e as Error).message}): is the server running (npm start)?`, 1);
  }
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = { error: { code: `HTTP_${res.status}`, message: text.slice(0, 200) } };
  }
  const error = parsed.error as { code?: string; message?: string } | undefined;
  if (!res.ok) fail(`${path}: ${error?.code ?? res.status} ${error?.message ?? ''}`.trim(), 1);
  return { status: res.status, body: parsed, cookie: res.headers.get('set-cookie')?.split(';')[0] };
}

const login = await call('/api/v1/staff/login', { username: values.username, password: values.password });
const csrf = login.body.csrfToken;
if (!login.cookie || typeof csrf !== 'string') fail('the login answered without a session');
const session = { cookie: login.cookie!, 'x-csrf-token': csrf as string };

interface DayResult {
  readonly date: string;
  readonly jobs: readonly { name: string; ok: boolean; summary: unknown; ms: number }[];
}

let last: Record<string, unknown> = {};
for (let i = 0; i < days; i++) {
  const { body } = await call('/api/v1/staff/demo/advance', { days: 1 }, session);
  last = body;
  for (const day of body.days as DayResult[]) {
    console.log(`营业日 business date ${day.date}`);
    if (!day.jobs.length) console.log('  (no daily jobs registered)');
    for (const job of day.jobs) console.log(`  ${job.ok ? '✓' : '✗'} ${job.name} (${job.ms} ms) ${JSON.stringify(job.summary)}`);
  }
}
console.log(`现在的营业日 now: ${String(last.businessDate)} (${String(last.offsetDays)} days ahead of the system clock)`);
