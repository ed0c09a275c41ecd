/** bots/wecom: WeCom (企业微信) group-robot messages and the per-robot send allowance. Pure: the webhook client lives in server/channels/wecom. */
export { textMessage, markdownMessage, newsMessage, replyToRobotMessage, truncateUtf8, ROBOT_LIMITS } from './robotMessage.js';
export type { RobotMessage, RobotArticle, Mentions, RobotRenderOptions } from './robotMessage.js';
export { SlidingWindowLimiter } from './slidingWindowLimiter.js';
export type { LimiterOptions, Reservation } from './slidingWindowLimiter.js';
