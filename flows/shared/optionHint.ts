import { t, type Locale } from '../text/translate.js';

/** Channels that show options as buttons to tap; elsewhere (terminal, REST, WeChat text) they are numbered lines. */
const TAPPABLE_CHANNELS: ReadonlySet<string> = new Set(['web']);

export const canTap = (channel: string): boolean => TAPPABLE_CHANNELS.has(channel);

/** "Reply with a number" — and "or tap it" only where there is something to tap. */
export const optionHint = (ctx: { readonly locale: Locale; readonly channel: string }): string => t(ctx.locale, canTap(ctx.channel) ? 'hint.pickOption' : 'hint.typeOption');
