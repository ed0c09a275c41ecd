/** server/channels/wecom: the WeCom (企业微信) group-robot webhook client, rate-limited per robot. */
export { createWecomRobot } from './wecomRobot.js';
export type { WecomRobot, WecomRobotOptions, RobotSendResult } from './wecomRobot.js';
