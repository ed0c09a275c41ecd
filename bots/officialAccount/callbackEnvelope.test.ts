import { describe, expect, it } from 'vitest';
import { openCallback, sealReply, verifyServerUrl, type CallbackSecrets } from './callbackEnvelope.js';
import { aesKeyOf, decryptMessage, encryptMessage, wechatSignature } from './messageCrypto.js';
import { parseWechatXml, xmlFields } from './wechatXml.js';

const TOKEN = 'kuaidaiToken2024';
const APP_ID = 'wx1234567890abcdef';
const AES = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const key = aesKeyOf(AES);
const secrets = (mode: CallbackSecrets['mode']): CallbackSecrets => ({ token: TOKEN, appId: APP_ID, mode, aesKey: key });
const MESSAGE = '<xml><ToUserName><![CDATA[gh_abc]]></ToUserName><FromUserName><![CDATA[oUser1]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[申请]]></Content><MsgId>1234567890123456</MsgId></xml>';

const plainQuery = (timestamp = '1700000000', nonce = 'n1') => ({ timestamp, nonce, signature: wechatSignature(TOKEN, timestamp, nonce), openid: 'oUser1' });
const encryptedRequest = (xml = MESSAGE, timestamp = '1700000000', nonce = 'n2') => {
  const encrypt = encryptMessage(xml, key, APP_ID);
  return {
    query: { timestamp, nonce, encrypt_type: 'aes', msg_signature: wechatSignature(TOKEN, timestamp, nonce, encrypt), signature: wechatSignature(TOKEN, timestamp, nonce) },
    body: `<xml><ToUserName><![CDATA[gh_abc]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`,
  };
};

describe('official-account callback envelope', () => {
  it('answers the server-address check only with the right signature', () => {
    const q = { ...plainQuery(), echostr: '8472341927364' };
    // Timestamp and nonce come back: the server refuses a stale or repeated check with them.
    expect(verifyServerUrl(q, TOKEN)).toEqual({ ok: true, echostr: '8472341927364', timestamp: q.timestamp, nonce: q.nonce });
    expect(verifyServerUrl({ ...q, signature: '0'.repeat(40) }, TOKEN)).toMatchObject({ ok: false, problem: 'signature' });
    expect(verifyServerUrl({ echostr: 'x' }, TOKEN)).toMatchObject({ ok: false, problem: 'signature' });
    expect(verifyServerUrl({ ...q, echostr: '<script>' }, TOKEN)).toMatchObject({ ok: false, problem: 'malformed' });
  });

  it('opens a plaintext message in plain and compatible modes, and refuses it in safe mode', () => {
    for (const mode of ['plain', 'compatible'] as const) {
      const r = openCallback(plainQuery(), MESSAGE, secrets(mode));
      expect(r).toMatchObject({ ok: true, encrypted: false, fields: { FromUserName: 'oUser1', Content: '申请' } });
    }
    expect(openCallback(plainQuery(), MESSAGE, secrets('safe'))).toMatchObject({ ok: false, problem: 'mode' });
  });

  it('checks the signature before reading the body', () => {
    expect(openCallback({ ...plainQuery(), signature: 'f'.repeat(40) }, '<!DOCTYPE x>', secrets('plain'))).toMatchObject({ ok: false, problem: 'signature' });
    expect(openCallback({ timestamp: '1', nonce: 'n' }, MESSAGE, secrets('plain'))).toMatchObject({ ok: false, problem: 'signature' });
    expect(openCallback({ ...plainQuery(), timestamp: 'yesterday' }, MESSAGE, secrets('plain'))).toMatchObject({ ok: false, problem: 'signature' });
    expect(openCallback(plainQuery(), '<!DOCTYPE x><xml/>', secrets('plain'))).toMatchObject({ ok: false, problem: 'malformed' });
    expect(openCallback(plainQuery(), '<root/>', secrets('plain'))).toMatchObject({ ok: false, problem: 'malformed' });
  });

  it('opens an encrypted message after checking msg_signature over the ciphertext', () => {
    const { query, body } = encryptedRequest();
    for (const mode of ['safe', 'compatible'] as const) expect(openCallback(query, body, secrets(mode))).toMatchObject({ ok: true, encrypted: true, fields: { Content: '申请', MsgId: '1234567890123456' } });
    expect(openCallback(query, body, { token: TOKEN, appId: APP_ID, mode: 'plain' })).toMatchObject({ ok: false, problem: 'mode' });
    expect(openCallback({ ...query, msg_signature: query.signature }, body, secrets('safe'))).toMatchObject({ ok: false, problem: 'signature' });
    // Another body under the same signature: the signature covers the ciphertext.
    const other = encryptedRequest('<xml><A>1</A></xml>');
    expect(openCallback(query, other.body, secrets('safe'))).toMatchObject({ ok: false, problem: 'signature' });
    expect(openCallback(query, '<xml><ToUserName>gh</ToUserName></xml>', secrets('safe'))).toMatchObject({ ok: false, problem: 'malformed', reason: 'no Encrypt element' });
    expect(openCallback({ ...query, encrypt_type: 'rsa' }, body, secrets('safe'))).toMatchObject({ ok: false, problem: 'malformed' });
  });

  it('refuses a correctly signed ciphertext for another AppID or with a hostile inner document', () => {
    const timestamp = '1700000001';
    const nonce = 'n3';
    const forOther = encryptMessage(MESSAGE, key, 'wx0000000000000000');
    const q = { timestamp, nonce, encrypt_type: 'aes', msg_signature: wechatSignature(TOKEN, timestamp, nonce, forOther) };
    expect(openCallback(q, `<xml><Encrypt>${forOther}</Encrypt></xml>`, secrets('safe'))).toMatchObject({ ok: false, problem: 'malformed', reason: 'the message is for another AppID' });
    const bomb = encryptedRequest('<!DOCTYPE x [<!ENTITY a "aaaa">]><xml><A>&a;</A></xml>');
    expect(openCallback(bomb.query, bomb.body, secrets('safe'))).toMatchObject({ ok: false, problem: 'malformed', reason: expect.stringMatching(/DOCTYPE/) });
  });

  it('seals a passive reply so that WeChat can verify and decrypt it', () => {
    const sealed = sealReply('<xml><Content>好</Content></xml>', secrets('safe'), { timestamp: '1700000002', nonce: 'abc' });
    const parsed = parseWechatXml(sealed);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const f = xmlFields(parsed.root);
    expect(f.TimeStamp).toBe('1700000002');
    expect(f.Nonce).toBe('abc');
    expect(f.MsgSignature).toBe(wechatSignature(TOKEN, '1700000002', 'abc', f.Encrypt!));
    expect(decryptMessage(f.Encrypt!, key, APP_ID)).toEqual({ ok: true, message: '<xml><Content>好</Content></xml>' });
  });
});
