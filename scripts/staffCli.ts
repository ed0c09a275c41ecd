// `npm run staff -- <command>`: staff accounts from the server's machine. It asks the running
// server (the embedded database has one writer: the server), authenticated by the token the server
// wrote into the data directory (accepted from loopback only).
import { parseArgs } from 'node:util';
import { loadConfig } from '../server/config/index.js';
import { readCliToken } from '../server/staff/cliToken.js';

const USAGE = `usage: npm run staff -- <command> [options]

  add --username <u> --name <display name> --roles agent,reviewer [--employee-no <工号>] [--branch <code>] [--password-stdin]
                        create an account; prints a one-time password unless --password-stdin gives one
  list                  the accounts, their roles and whether they are active
  disable --username <u>
                        disable an account; its sessions end at once
  enable --username <u>
  reset-password --username <u> [--password-stdin]
                        a new password (printed once unless given); the account's sessions end

  --url <base>          the server (default http://127.0.0.1:<PORT>)
roles: agent (客服), supervisor (客服主管), reviewer (审批员), manager (客户经理), admin (管理员)`;

const fail = (message: string): never => {
  console.error(`staff: ${message}`);
  process.exit(2);
};

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    username: { type: 'string' },
    name: { type: 'string' },
    roles: { type: 'string' },
    'employee-no': { type: 'string' },
    branch: { type: 'string' },
    'password-stdin': { type: 'boolean' },
    url: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
const command = positionals[0];
if (values.help || !command) {
  console.log(USAGE);
  process.exit(command ? 0 : 2);
}

const config = loadConfig();
const base = (values.url ?? `http://127.0.0.1:${config.port}`).replace(/\/+$/, '');
const token = await readCliToken(config.dataDir);
if (!token) fail(`no server token in ${config.dataDir}: start the server on this machine first (npm start), with the same KUAIDAI_DATA_DIR`);

const readStdin = async (): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
};

async function api(method: 'GET' | 'POST', path: string, body?: object): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(`${base}/api/v1/staff${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  } catch (e) {
    return fail(`cannot reach the server at ${base} (${e instanceof Error ? e.message : String(e)}); is it running? (--url)`);
  }
  const answer = (await res.json().catch(() => ({}))) as Record<string, unknown> & { error?: { code: string; message: string } };
  if (!res.ok) fail(res.status === 401 ? `the server at ${base} did not accept this machine's token (another data directory, or not the server that wrote it)` : `${answer.error?.code ?? res.status}: ${answer.error?.message ?? ''}`);
  return answer;
}

interface Account {
  id: string;
  username: string;
  displayName: string;
  employeeNo: string | null;
  branch: string | null;
  roles: string[];
  kind: string;
  active: boolean;
}
const idOf = async (username: string | undefined): Promise<string> => {
  if (!username) fail('--username is required');
  const { accounts } = (await api('GET', '/accounts')) as { accounts: Account[] };
  return accounts.find((a) => a.username === username!.trim().toLowerCase())?.id ?? fail(`no account ${username}`);
};

switch (command) {
  case 'add': {
    if (!values.username || !values.name || !values.roles) fail('add needs --username, --name and --roles');
    const password = values['password-stdin'] ? await readStdin() : undefined;
    const { account, oneTimePassword } = (await api('POST', '/accounts', {
      username: values.username,
      displayName: values.name,
      roles: values.roles!.split(',').map((r) => r.trim()).filter(Boolean),
      ...(values['employee-no'] ? { employeeNo: values['employee-no'] } : {}),
      ...(values.branch ? { branch: values.branch } : {}),
      ...(password !== undefined ? { password } : {}),
    })) as { account: Account; oneTimePassword?: string };
    console.log(`created ${account.username} (${account.displayName}) roles ${account.roles.join(',')}`);
    if (oneTimePassword) console.log(`one-time password: ${oneTimePassword}`);
    break;
  }
  case 'list': {
    const { accounts } = (await api('GET', '/accounts')) as { accounts: Account[] };
    for (const a of accounts) console.log([a.username, a.displayName, a.employeeNo ?? '-', a.branch ?? '-', a.roles.join(','), a.kind, a.active ? 'active' : 'disabled'].join('\t'));
    break;
  }
  case 'disable':
  case 'enable': {
    const id = await idOf(values.username);
    const answer = (await api('POST', `/accounts/${id}/${command}`)) as { sessionsEnded?: number };
    console.log(`${command}d ${values.username}${answer.sessionsEnded !== undefined ? `; sessions ended: ${answer.sessionsEnded}` : ''}`);
    break;
  }
  case 'reset-password': {
    const id = await idOf(values.username);
    const password = values['password-stdin'] ? await readStdin() : undefined;
    const answer = (await api('POST', `/accounts/${id}/reset-password`, password !== undefined ? { password } : {})) as { oneTimePassword?: string; sessionsEnded: number };
    console.log(`password reset for ${values.username}; sessions ended: ${answer.sessionsEnded}`);
    if (answer.oneTimePassword) console.log(`one-time password: ${answer.oneTimePassword}`);
    break;
  }
  default:
    fail(`unknown command ${command}\n${USAGE}`);
}
