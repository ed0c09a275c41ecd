import { en } from './messages.en.js';
import { zh } from './messages.zh.js';

export type Locale = 'zh' | 'en';
export type MessageKey = keyof typeof zh;
export type Params = Readonly<Record<string, string | number>>;

const catalogs: Record<Locale, Record<MessageKey, string>> = { zh, en };

/** The borrower's language for a message key; `{name}` placeholders are filled from params. */
export function t(locale: Locale, key: MessageKey, params: Params = {}): string {
  const template = catalogs[locale][key] ?? zh[key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}
