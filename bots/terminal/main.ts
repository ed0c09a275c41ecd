// `npm run chat [-- --user <id>] [--url http://localhost:3000] [--token <t>]`: chat with the running
// server from a terminal, through its REST channel (the same runtime every channel uses).
import os from 'node:os';
import { parseArgs } from 'node:util';
import { runTerminalChat } from './terminalChat.js';

const usage = 'usage: npm run chat -- [--user <id>] [--url http://localhost:3000] [--token <CHAT_API_TOKEN>] [--poll <ms>]';

let values;
try {
  ({ values } = parseArgs({
    options: {
      user: { type: 'string' },
      url: { type: 'string', default: 'http://localhost:3000' },
      token: { type: 'string' },
      poll: { type: 'string', default: '2000' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (e) {
  console.error(`${(e as Error).message}\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const pollMs = Number(values.poll);
if (!Number.isInteger(pollMs) || pollMs < 0) {
  console.error(`--poll must be a whole number of milliseconds\n${usage}`);
  process.exit(2);
}

await runTerminalChat({
  url: values.url,
  userId: values.user ?? `terminal-${os.userInfo().username}`,
  ...(values.token ? { token: values.token } : {}),
  input: process.stdin,
  output: process.stdout,
  pollMs,
  terminal: Boolean(process.stdin.isTTY),
});
process.exit(0);
