/** bots/terminal: `npm run chat`, a readline client of the server's REST chat channel. */
export { runTerminalChat } from './terminalChat.js';
export type { TerminalChatOptions } from './terminalChat.js';
