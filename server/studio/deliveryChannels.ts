import type { RobotMessage } from '../../bots/wecom/index.js';
import type { OfficialAccountApi } from '../channels/officialAccount/index.js';
import type { RobotSendResult } from '../channels/wecom/index.js';

/**
 * The external channels a campaign goes out on besides the web chat (which is a database write):
 * each present only when configured. A delivery on a channel that is absent fails with reason
 * `channel_unavailable`, visible to staff; nothing is dropped silently.
 */
export interface CampaignDeliveryChannels {
  /** WeCom group robots (WECOM_ROBOTS); the client holds each robot to 20 a minute and backs off on 45009/130101. */
  robot?: { readonly names: readonly string[]; send(robot: string, message: RobotMessage): Promise<RobotSendResult> } | undefined;
  /** The running wechaty bot's rooms (set once the bot logged in: server/main.ts). */
  rooms?: RoomSender | undefined;
  /** The official account's API (customer-service and template messages). */
  officialAccount?: Pick<OfficialAccountApi, 'sendCustomMessage' | 'sendTemplateMessage'> | undefined;
}

/** Says a text in a WeChat room; resolves when the puppet accepted it, throws when the room is unknown or the puppet refused. */
export type RoomSender = (roomId: string, text: string) => Promise<void>;

/** A RoomSender on a wechaty bot: the room found by id, then `room.say`. */
export function wechatyRoomSender(bot: { Room: { find(query: { id: string }): Promise<{ say(text: string): Promise<unknown> } | undefined> } }): RoomSender {
  return async (roomId, text) => {
    const room = await bot.Room.find({ id: roomId });
    if (!room) throw new Error(`the bot is not in room ${roomId}`);
    await room.say(text);
  };
}
