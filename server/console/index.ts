/** server/console: the staff console — its page, the live feed, the queue and conversation workspace APIs. */
export { consolePlugin, CONSOLE_PATH } from './consolePlugin.js';
