import { createInterface } from 'node:readline';
import type { Reply } from '../../flows/index.js';
import { displayWidth, renderReplyAsText, speakerOf } from '../text/index.js';

/** A reply as the REST channel returns it. */
interface WireReply extends Reply {
  readonly id: string;
  readonly seq: number;
}

export interface TerminalChatOptions {
  /** The running server, e.g. http://localhost:3000. */
  readonly url: string;
  readonly userId: string;
  readonly token?: string;
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream;
  /** How often later messages (staff, reminders) are fetched; 0 turns polling off. */
  readonly pollMs?: number;
  readonly fetch?: typeof fetch;
  /** Whether `input` is a terminal (prompt and Ctrl-C handling). */
  readonly terminal?: boolean;
}

/** Why a request failed, in words for the person at the terminal. */
class ChatClientError extends Error {
  override readonly name = 'ChatClientError';
}

/**
 * A readline client of the server's REST chat channel: what is typed is sent as it is (option
 * numbers included: the flows understand them), replies are printed as text, and messages that
 * arrive later are fetched every `pollMs`. Resolves when the input ends or on Ctrl-C.
 */
export async function runTerminalChat(options: TerminalChatOptions): Promise<void> {
  const http = options.fetch ?? fetch;
  const base = options.url.replace(/\/+$/, '');
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) };
  const printed = new Set<number>();
  let afterSeq = 0;
  let counter = 0;
  const session = Date.now().toString(36);
  const out = (text: string) => options.output.write(`${text}\n`);
  const rl = createInterface({ input: options.input, output: options.terminal ? options.output : undefined, terminal: options.terminal ?? false, prompt: '你> ' });
  const prompt = () => {
    if (options.terminal) rl.prompt(true);
  };

  const show = (replies: readonly WireReply[]) => {
    for (const r of [...replies].sort((a, b) => a.seq - b.seq)) {
      afterSeq = Math.max(afterSeq, r.seq);
      if (printed.has(r.seq)) continue;
      printed.add(r.seq);
      // Each message is labelled with who wrote it: the assistant, or a staff member by name.
      const who = r.sender ? `${speakerOf(r)}> ` : '助手> ';
      const [first, ...rest] = renderReplyAsText(r, { speaker: false }).split('\n');
      const indent = ' '.repeat(displayWidth(who));
      out([who + first, ...rest.map((line) => (line ? `${indent}${line}` : ''))].join('\n'));
    }
  };

  const request = async (path: string, init: RequestInit = {}): Promise<unknown> => {
    let response: Response;
    try {
      response = await http(`${base}${path}`, { ...init, headers });
    } catch (e) {
      throw new ChatClientError(`无法连接 ${base}（${(e as Error).message}）。请先运行 npm start。`);
    }
    const body = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
    if (response.ok) return body;
    if (response.status === 404 && body.error?.code === 'NOT_FOUND') throw new ChatClientError(`${base} 没有聊天接口：服务器未配置对话流程。`);
    if (response.status === 401) throw new ChatClientError('服务器要求令牌：请用 --token <CHAT_API_TOKEN> 启动。');
    throw new ChatClientError(`服务器返回 ${response.status}：${body.error?.message ?? response.statusText}`);
  };

  const fetchLater = async () => {
    const body = (await request(`/api/v1/chat/messages?userId=${encodeURIComponent(options.userId)}&channel=terminal&afterSeq=${afterSeq}&limit=200`)) as {
      messages: WireReply[];
      nextAfterSeq: number;
    };
    show(body.messages);
    afterSeq = Math.max(afterSeq, body.nextAfterSeq);
    return body.messages.length;
  };

  out(`快贷助手 · 终端聊天（用户 ${options.userId}，服务 ${base}）。输入消息后回车；选项可回复编号；Ctrl-C 退出。`);
  // Everything talks to the server one request at a time, in order: first catching up with what
  // arrived while nobody was here (staff replies, reminders), then each line, with polls in between.
  let busy: Promise<void> = fetchLater().then(
    () => {},
    (e: unknown) => {
      out(e instanceof ChatClientError ? e.message : String(e));
    },
  );
  let polling = false;
  const timer =
    (options.pollMs ?? 2_000) > 0
      ? setInterval(() => {
          if (polling) return;
          polling = true;
          busy = busy
            .then(async () => {
              if ((await fetchLater()) > 0) prompt();
            })
            .catch(() => {})
            .finally(() => {
              polling = false;
            });
        }, options.pollMs ?? 2_000)
      : undefined;
  timer?.unref();

  await new Promise<void>((resolve) => {
    rl.on('line', (line) => {
      const text = line.trim();
      if (!text) return prompt();
      busy = busy.then(async () => {
        try {
          const body = (await request('/api/v1/chat', {
            method: 'POST',
            body: JSON.stringify({ userId: options.userId, messageId: `terminal-${session}-${++counter}`, text, channel: 'terminal' }),
          })) as { replies: WireReply[] };
          show(body.replies);
        } catch (e) {
          out(e instanceof ChatClientError ? e.message : String(e));
        }
        prompt();
      });
    });
    rl.on('SIGINT', () => rl.close());
    rl.on('close', () => {
      clearInterval(timer);
      // Let a message already sent finish, then say goodbye.
      void busy.finally(() => {
        out('再见！');
        resolve();
      });
    });
    prompt();
  });
}
