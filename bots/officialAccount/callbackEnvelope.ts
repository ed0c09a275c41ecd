import { randomBytes } from 'node:crypto';
import { decryptMessage, encryptMessage, signatureMatches, wechatSignature } from './messageCrypto.js';
import { encryptedReplyXml } from './renderForOfficialAccount.js';
import { parseWechatXml, xmlFields } from './wechatXml.js';

/** How the account exchanges messages, as chosen in the WeChat console (消息加解密方式). */
export type OfficialAccountMode = 'plain' | 'safe' | 'compatible';

export interface CallbackSecrets {
  /** The Token entered in the console (3–32 letters and digits). */
  readonly token: string;
  readonly appId: string;
  /** AES key decoded from the EncodingAESKey; required for safe and compatible modes. */
  readonly aesKey?: Buffer;
  readonly mode: OfficialAccountMode;
}

/** Why a callback is refused: `signature` → 401, `mode` → 403, `malformed` → 400. Nothing refused is processed. */
export type CallbackProblem = 'signature' | 'mode' | 'malformed';

export type OpenedCallback =
  | { readonly ok: true; readonly fields: Readonly<Record<string, string>>; readonly encrypted: boolean; readonly timestamp: string; readonly nonce: string }
  | { readonly ok: false; readonly problem: CallbackProblem; readonly reason: string };

type Query = Readonly<Record<string, unknown>>;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const TIMESTAMP = /^\d{1,12}$/;
const NONCE = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The URL check WeChat makes when the server address is saved: echo `echostr` when the signature
 * matches. The caller still refuses a stale timestamp or a nonce seen before (it holds the clock and the memory).
 */
export function verifyServerUrl(query: Query, token: string): { ok: true; echostr: string; timestamp: string; nonce: string } | { ok: false; problem: CallbackProblem; reason: string } {
  const timestamp = str(query.timestamp) ?? '';
  const nonce = str(query.nonce) ?? '';
  const echostr = str(query.echostr) ?? '';
  if (!TIMESTAMP.test(timestamp) || !NONCE.test(nonce)) return { ok: false, problem: 'signature', reason: 'timestamp or nonce missing or malformed' };
  if (!signatureMatches(wechatSignature(token, timestamp, nonce), str(query.signature))) return { ok: false, problem: 'signature', reason: 'signature does not match' };
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(echostr)) return { ok: false, problem: 'malformed', reason: 'echostr missing or malformed' };
  return { ok: true, echostr, timestamp, nonce };
}

/**
 * Authenticates and opens a message callback. Plaintext: `signature` over token, timestamp and
 * nonce is checked before the body is even parsed. Encrypted (`encrypt_type=aes`):
 * `msg_signature` over those and the `Encrypt` value is checked before anything is decrypted, and
 * the decrypted message must name this AppID. Both XML layers go through the strict parser.
 */
export function openCallback(query: Query, body: string, secrets: CallbackSecrets): OpenedCallback {
  const timestamp = str(query.timestamp) ?? '';
  const nonce = str(query.nonce) ?? '';
  if (!TIMESTAMP.test(timestamp) || !NONCE.test(nonce)) return { ok: false, problem: 'signature', reason: 'timestamp or nonce missing or malformed' };
  const encryptType = str(query.encrypt_type);

  if (encryptType === undefined || encryptType === 'raw') {
    if (secrets.mode === 'safe') return { ok: false, problem: 'mode', reason: 'plaintext messages are refused in safe mode' };
    if (!signatureMatches(wechatSignature(secrets.token, timestamp, nonce), str(query.signature))) return { ok: false, problem: 'signature', reason: 'signature does not match' };
    const parsed = parseWechatXml(body);
    if (!parsed.ok) return { ok: false, problem: 'malformed', reason: parsed.reason };
    if (parsed.root.name !== 'xml') return { ok: false, problem: 'malformed', reason: 'the root element is not <xml>' };
    return { ok: true, fields: xmlFields(parsed.root), encrypted: false, timestamp, nonce };
  }

  if (encryptType !== 'aes') return { ok: false, problem: 'malformed', reason: `unknown encrypt_type ${encryptType.slice(0, 16)}` };
  if (secrets.mode === 'plain' || !secrets.aesKey) return { ok: false, problem: 'mode', reason: 'encrypted messages are refused in plain mode' };
  const outer = parseWechatXml(body);
  if (!outer.ok) return { ok: false, problem: 'malformed', reason: outer.reason };
  if (outer.root.name !== 'xml') return { ok: false, problem: 'malformed', reason: 'the root element is not <xml>' };
  const encrypt = xmlFields(outer.root).Encrypt;
  if (!encrypt) return { ok: false, problem: 'malformed', reason: 'no Encrypt element' };
  if (!signatureMatches(wechatSignature(secrets.token, timestamp, nonce, encrypt), str(query.msg_signature))) {
    return { ok: false, problem: 'signature', reason: 'msg_signature does not match' };
  }
  const decrypted = decryptMessage(encrypt, secrets.aesKey, secrets.appId);
  if (!decrypted.ok) return { ok: false, problem: 'malformed', reason: decrypted.reason };
  const inner = parseWechatXml(decrypted.message);
  if (!inner.ok) return { ok: false, problem: 'malformed', reason: `decrypted message: ${inner.reason}` };
  if (inner.root.name !== 'xml') return { ok: false, problem: 'malformed', reason: 'the decrypted root element is not <xml>' };
  return { ok: true, fields: xmlFields(inner.root), encrypted: true, timestamp, nonce };
}

/** Encrypts and signs a passive reply the way the callback came in (safe/compatible modes). */
export function sealReply(xml: string, secrets: CallbackSecrets, at: { readonly timestamp: string; readonly nonce?: string }): string {
  if (!secrets.aesKey) throw new Error('sealReply needs the AES key');
  const encrypt = encryptMessage(xml, secrets.aesKey, secrets.appId);
  const nonce = at.nonce ?? randomBytes(8).toString('hex');
  return encryptedReplyXml({ encrypt, signature: wechatSignature(secrets.token, at.timestamp, nonce, encrypt), timestamp: at.timestamp, nonce });
}
