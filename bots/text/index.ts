/** bots/text: replies as plain text, for channels without buttons or cards (terminal, WeChat text). */
export { renderReplyAsText, displayWidth, speakerOf } from './renderReplyAsText.js';
export type { TextRenderOptions } from './renderReplyAsText.js';
