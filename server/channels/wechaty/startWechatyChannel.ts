import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Friendship, Message, Wechaty, WechatyOptions } from 'wechaty';
import { createWechatySender, toInboundMessage, WECHATY_FRIENDSHIP_TYPE_RECEIVE, type AddressedBy, type SkipReason } from '../../../bots/wechaty/index.js';
import type { Server } from '../../boot.js';
import { systemClock, type Clock } from '../../clock.js';
import type { Config, WechatyConfig } from '../../config/index.js';
import { APOLOGY, type ChannelSender, type ConversationRuntime, type OutboxDeliverer } from '../../runtime/index.js';

/** A puppet instance (tests pass a `PuppetMock`); without one, `settings.puppet` is loaded by name. */
export type PuppetInstance = Exclude<NonNullable<WechatyOptions['puppet']>, string>;

/** What became of one WeChat message: for logs, metrics and tests that wait for a message to be handled. */
export type HandledReport =
  | { readonly messageId: string; readonly outcome: 'skipped'; readonly reason: SkipReason }
  /** A group message not addressed to the bot: the runtime ignored it. */
  | { readonly messageId: string; readonly outcome: 'ignored' }
  | { readonly messageId: string; readonly outcome: 'received' | 'duplicate'; readonly conversationId: string; readonly replies: number; readonly addressedBy?: AddressedBy }
  | { readonly messageId: string; readonly outcome: 'failed' };

export interface WechatyChannelOptions {
  readonly settings: WechatyConfig;
  readonly runtime: Pick<ConversationRuntime, 'receive'>;
  readonly outbox: Pick<OutboxDeliverer, 'register' | 'idle'>;
  readonly logger: Logger;
  /** Base of the links the bot sends (PUBLIC_BASE_URL). */
  readonly publicBaseUrl: string;
  readonly puppet?: PuppetInstance;
  /** Decides which messages are too old to answer (a puppet replaying history after a login). */
  readonly clock?: Clock;
  /** How old a message may be and still be answered; 10 minutes by default. */
  readonly maxMessageAgeMs?: number;
  readonly onHandled?: (report: HandledReport) => void;
}

export interface WechatyChannel {
  readonly bot: Wechaty;
  /** The sender for channel 'wechat'; registered on the outbox at the first login. */
  readonly sender: ChannelSender;
  /** Resolves at the first login (on a real puppet: once the QR code was scanned). */
  readonly loggedIn: Promise<void>;
  /** Stops taking messages, waits for those under way and their deliveries, then stops the bot (keeping its login session). */
  stop(): Promise<void>;
}

/** The failure of the bot to start (a bad token, an unreachable puppet service), naming the puppet. */
export class WechatyStartError extends Error {
  override readonly name = 'WechatyStartError';
  readonly code = 'WECHATY_START_FAILED';
}

/** The wechaty this project is tested with; a production install leaves it out (it is a devDependency). */
export const WECHATY_VERSION = '1.20.2';

const require = createRequire(import.meta.url);

/** Whether `name` is installed where this module can load it (a package without an exported package.json still counts). */
function installed(name: string): boolean {
  try {
    require.resolve(`${name}/package.json`);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ERR_PACKAGE_PATH_NOT_EXPORTED';
  }
}

/**
 * Stops start-up with one clear line when the channel is on but wechaty or its puppet is not
 * installed: they carry hundreds of packages (some with published advisories) that a production
 * install (`npm ci --omit=dev`) leaves out unless the bank turns personal WeChat on.
 */
export function requireWechatyInstalled(puppet: string | undefined, isInstalled: (name: string) => boolean = installed): void {
  const missing = ['wechaty', ...(puppet ? [puppet] : [])].filter((name) => !isInstalled(name));
  if (!missing.length) return;
  throw new WechatyStartError(
    `WECHATY_PUPPET is set but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not installed (production installs leave wechaty out); install with \`npm install --no-save wechaty@${WECHATY_VERSION}${puppet ? ` ${puppet}` : ''}\`, or unset WECHATY_PUPPET`,
  );
}

/**
 * Starts the personal-WeChat bot: builds wechaty with the configured puppet (token, endpoint and
 * session file passed explicitly), hands every message to `runtime.receive` (private chats always;
 * group messages with `addressed` telling whether they were meant for the bot), registers the
 * 'wechat' sender on the outbox at login, and accepts friend requests when configured (someone
 * moved out of a group must be a friend to chat privately). wechaty is loaded only here, so a
 * server without the channel never loads it.
 */
export async function startWechatyChannel(options: WechatyChannelOptions): Promise<WechatyChannel> {
  const { settings, runtime, outbox, logger, publicBaseUrl } = options;
  const log = logger.child({ channel: 'wechat', puppet: options.puppet ? 'instance' : settings.puppet });
  const clock = options.clock ?? systemClock;
  const maxAgeMs = options.maxMessageAgeMs ?? 10 * 60_000;
  requireWechatyInstalled(options.puppet ? undefined : settings.puppet);
  const { WechatyBuilder } = await import('wechaty');

  if (settings.sessionFile) await mkdir(path.dirname(settings.sessionFile), { recursive: true });
  const puppetOptions = { ...(settings.token ? { token: settings.token } : {}), ...(settings.endpoint ? { endpoint: settings.endpoint } : {}) };
  const name = settings.sessionFile ? { name: settings.sessionFile } : {};
  const bot: Wechaty = WechatyBuilder.build(
    options.puppet
      ? { ...name, puppet: options.puppet }
      : // Puppets outside wechaty's list of official ones load the same way; the cast only widens the name.
        { ...name, puppet: settings.puppet as Extract<WechatyOptions['puppet'], string>, puppetOptions },
  );
  const sender = createWechatySender({ bot, baseUrl: publicBaseUrl, logger: log });

  let accepting = true;
  const inFlight = new Set<Promise<void>>();
  let registered = false;
  let markLoggedIn!: () => void;
  const loggedIn = new Promise<void>((resolve) => (markLoggedIn = resolve));

  bot.on('scan', (qrcode: string, status: number) => {
    // The QR value, not a public image URL: the login code must not go to third-party sites.
    log.info({ status, qrcode }, 'WeChat login: scan this QR code value with the bank\'s WeChat account (render it with a local QR tool)');
  });
  bot.on('login', (user) => {
    log.info({ accountId: user.id }, 'WeChat account logged in');
    if (!registered) {
      outbox.register(sender);
      registered = true;
    }
    markLoggedIn();
  });
  bot.on('logout', (user, reason?: string) => log.warn({ accountId: user.id, reason }, 'WeChat account logged out; replies wait in the outbox until it logs in again'));
  bot.on('error', (error) => log.error({ err: error }, 'wechaty reported an error'));
  bot.on('message', (message: Message) => {
    if (!accepting) return;
    const p = handle(message);
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  });
  if (settings.acceptFriendships) {
    bot.on('friendship', (friendship: Friendship) => {
      if (!accepting || friendship.type() !== WECHATY_FRIENDSHIP_TYPE_RECEIVE) return;
      // The hello text is not logged: people write their names and numbers into it.
      friendship.accept().then(
        () => log.info({ contactId: friendship.contact().id }, 'accepted a WeChat friend request'),
        (e: unknown) => log.warn({ err: e }, 'accepting a WeChat friend request failed'),
      );
    });
  }

  async function handle(message: Message): Promise<void> {
    const messageId = message.id;
    let report: HandledReport = { messageId, outcome: 'failed' };
    let answerable = message.room() === undefined;
    try {
      const translated = await toInboundMessage(message, { names: [...settings.botNames, ...selfName()], now: clock.now().getTime(), maxAgeMs });
      if (translated.kind === 'skip') {
        report = { messageId, outcome: 'skipped', reason: translated.reason };
        return;
      }
      answerable ||= translated.message.addressed === true;
      const result = await runtime.receive(translated.message);
      report =
        result.conversationId === null
          ? { messageId, outcome: 'ignored' }
          : { messageId, outcome: result.duplicate ? 'duplicate' : 'received', conversationId: result.conversationId, replies: result.replies.length, ...(translated.addressedBy ? { addressedBy: translated.addressedBy } : {}) };
    } catch (e) {
      log.error({ err: e, messageId }, 'a WeChat message could not be handled');
      // The runtime answers failed turns itself; this is for failures around it (database down, lock timeout).
      if (answerable && accepting) await message.say(APOLOGY.text).catch((err: unknown) => log.warn({ err, messageId }, 'sending the apology failed'));
    } finally {
      try {
        options.onHandled?.(report);
      } catch (e) {
        log.warn({ err: e, messageId }, 'onHandled threw');
      }
    }
  }

  function selfName(): string[] {
    try {
      const n = bot.currentUser.name();
      return n ? [n] : [];
    } catch {
      return [];
    }
  }

  try {
    await bot.start();
  } catch (e) {
    await bot.stop().catch(() => {});
    throw new WechatyStartError(`the WeChat channel could not start with ${options.puppet ? 'the given puppet' : settings.puppet}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  log.info('WeChat channel started; waiting for the account to log in');

  let stopping: Promise<void> | undefined;
  return {
    bot,
    sender,
    loggedIn,
    stop() {
      stopping ??= (async () => {
        accepting = false;
        await Promise.allSettled([...inFlight]);
        await outbox.idle();
        await bot.stop();
        log.info('WeChat channel stopped');
      })();
      return stopping;
    },
  };
}

/**
 * Starts the channel when WECHATY_PUPPET is set and stops it when the app closes (`preClose`: before
 * the runtime and the database close, so turns under way finish and their replies go out). Call it
 * after `bootServer` and before `listen`/`ready`. Undefined when the channel is off.
 */
export async function attachWechatyChannel(
  server: Pick<Server, 'app' | 'conversations'>,
  config: Pick<Config, 'wechaty' | 'publicBaseUrl'>,
  logger: Logger,
  extra: Pick<WechatyChannelOptions, 'puppet' | 'clock' | 'maxMessageAgeMs' | 'onHandled'> = {},
): Promise<WechatyChannel | undefined> {
  if (!config.wechaty) return undefined;
  if (!server.conversations) throw new WechatyStartError('the WeChat channel needs the conversation runtime: boot the server with a conversation spec');
  const channel = await startWechatyChannel({ ...extra, settings: config.wechaty, runtime: server.conversations.runtime, outbox: server.conversations.outbox, logger, publicBaseUrl: config.publicBaseUrl });
  server.app.addHook('preClose', () => channel.stop());
  return channel;
}
