import type { MediaKind } from '../../flows/index.js';
import type { InboundMessage } from '../inbound.js';

/**
 * What one official-account callback means for the conversation: a neutral inbound message, or
 * nothing to answer (unsubscribe, link-menu clicks, location reports, delivery reports). Turns
 * WeChat's fields into the neutral message and nothing else; no lending decision is made here.
 */
export type WechatCallback =
  | {
      readonly kind: 'inbound';
      /** The person (FromUserName). */
      readonly openid: string;
      /** The official account's original id (ToUserName, `gh_…`): the sender of a passive reply. */
      readonly account: string;
      readonly inbound: InboundMessage;
      /** Present when the message came through a parametric QR code (subscribe or SCAN). */
      readonly scene?: SceneReferral;
    }
  | { readonly kind: 'ignored'; readonly openid: string; readonly account: string; readonly reason: string }
  | { readonly kind: 'invalid'; readonly reason: string };

/**
 * A QR scene value. The bank prints `mgr_<StaffUser.referralCode>` on a customer manager's codes,
 * `cmp_<Campaign.code>` on a campaign's, `br_<Branch.code>` on a branch's and `prd_<product id>` on a
 * product's; any other value is passed on as it is.
 */
export interface SceneReferral {
  readonly kind: 'manager' | 'campaign' | 'branch' | 'product' | 'other';
  /** The code without its prefix. `InboundMessage.referral` carries the whole scene (the prefix says what the code names). */
  readonly code: string;
  /** The scene value as WeChat sent it (without `qrscene_`). */
  readonly scene: string;
}

/** Menu CLICK keys the bank can use when it creates the menu, and the text each stands for. */
export const DEFAULT_MENU_TEXTS: Readonly<Record<string, string>> = {
  APPLY: '申请',
  DRAW: '用款',
  REPAY: '还款',
  LIMIT: '额度',
  BILL: '账单',
  RATE: '利率',
  FAQ: '常见问题',
  HUMAN: '人工客服',
  MENU: '菜单',
  HELP: '帮助',
};

export interface TranslateOptions {
  /** CLICK key → text the flows understand; merged over DEFAULT_MENU_TEXTS. An unknown key is passed as text. */
  readonly menuTexts?: Readonly<Record<string, string>>;
  /** What a (re)subscription or a QR scan says to the conversation: a greeting opens the menu. */
  readonly greetingText?: string;
}

const MEDIA: Readonly<Record<string, MediaKind>> = {
  image: 'image',
  voice: 'voice',
  video: 'video',
  shortvideo: 'video',
  location: 'location',
  link: 'link',
  file: 'file',
};

const OPENID = /^[A-Za-z0-9_-]{1,64}$/;
const SCENE = /^(mgr|cmp|br|prd)_(.+)$/;
const SCENE_KINDS: Readonly<Record<string, SceneReferral['kind']>> = { mgr: 'manager', cmp: 'campaign', br: 'branch', prd: 'product' };
/** Scene strings are 1–64 characters (scene_str), or a 32-bit number (scene_id). */
const MAX_SCENE = 64;

/** Parses a QR scene value; undefined for an empty or oversized one. */
export function parseScene(raw: string): SceneReferral | undefined {
  const scene = raw.trim();
  if (!scene || scene.length > MAX_SCENE) return undefined;
  const m = SCENE.exec(scene);
  if (m) return { kind: SCENE_KINDS[m[1]!]!, code: m[2]!, scene };
  return { kind: 'other', code: scene, scene };
}

/** Translates the fields of a (decrypted) callback. */
export function inboundFromWechat(fields: Readonly<Record<string, string>>, options: TranslateOptions = {}): WechatCallback {
  const openid = fields.FromUserName ?? '';
  const account = fields.ToUserName ?? '';
  const msgType = (fields.MsgType ?? '').trim();
  const createTime = (fields.CreateTime ?? '').trim();
  if (!OPENID.test(openid)) return { kind: 'invalid', reason: 'FromUserName is missing or malformed' };
  if (!account || account.length > 64) return { kind: 'invalid', reason: 'ToUserName is missing or malformed' };
  if (!/^\d{1,12}$/.test(createTime)) return { kind: 'invalid', reason: 'CreateTime is missing or malformed' };
  const base = { channel: 'official_account' as const, userId: openid };

  if (msgType === 'event') return eventCallback(fields, { openid, account, createTime }, options);

  const msgId = (fields.MsgId ?? '').trim();
  if (!/^\d{1,24}$/.test(msgId)) return { kind: 'invalid', reason: 'MsgId is missing or malformed' };
  const messageId = `msg:${msgId}`;
  if (msgType === 'text') return { kind: 'inbound', openid, account, inbound: { ...base, messageId, text: fields.Content ?? '' } };
  // Speech recognition, where the account has it switched on, turns a voice message into text.
  const recognised = msgType === 'voice' ? (fields.Recognition ?? '').trim() : '';
  if (recognised) return { kind: 'inbound', openid, account, inbound: { ...base, messageId, text: recognised } };
  return { kind: 'inbound', openid, account, inbound: { ...base, messageId, media: MEDIA[msgType] ?? 'other' } };
}

function eventCallback(fields: Readonly<Record<string, string>>, who: { openid: string; account: string; createTime: string }, options: TranslateOptions): WechatCallback {
  const { openid, account, createTime } = who;
  const event = (fields.Event ?? '').trim();
  const key = (fields.EventKey ?? '').trim();
  // Events have no MsgId: WeChat's advice is FromUserName + CreateTime; the event and key keep two different clicks in one second apart.
  const messageId = `evt:${openid}:${createTime}:${event}:${key.slice(0, 128)}`;
  const greeting = options.greetingText ?? '你好';
  const inbound = (text: string, scene?: SceneReferral): WechatCallback => ({
    kind: 'inbound',
    openid,
    account,
    inbound: { channel: 'official_account', userId: openid, messageId, text, ...(scene ? { referral: scene.scene } : {}) },
    ...(scene ? { scene } : {}),
  });

  switch (event.toLowerCase()) {
    case 'subscribe':
      // Through a parametric QR code the key is `qrscene_<scene>`; a plain follow has an empty key.
      return inbound(greeting, key.startsWith('qrscene_') ? parseScene(key.slice('qrscene_'.length)) : undefined);
    case 'scan':
      return inbound(greeting, parseScene(key));
    case 'click': {
      if (!key) return { kind: 'ignored', openid, account, reason: 'menu click without a key' };
      const texts = { ...DEFAULT_MENU_TEXTS, ...options.menuTexts };
      const text = texts[key] ?? texts[key.toUpperCase()] ?? key;
      return inbound(text);
    }
    case 'unsubscribe':
      // Nothing can reach the person any more; pending customer-service messages fail as undeliverable.
      return { kind: 'ignored', openid, account, reason: 'unsubscribed' };
    default:
      // VIEW (a link menu), LOCATION reports, TEMPLATESENDJOBFINISH, MASSSENDJOBFINISH and the like.
      return { kind: 'ignored', openid, account, reason: `event ${event || '(none)'} needs no answer` };
  }
}
