import type { Logger } from 'pino';
import { createOfficialAccountApi } from '../channels/officialAccount/index.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/index.js';
import type { Database } from '../db/index.js';
import type { SmsSender } from '../providers/index.js';
import type { Sql } from '../runtime/index.js';
import type { FieldCipher } from '../security/fieldCipher.js';
import { ContactService, type ContactServiceDeps } from './contactService.js';

/**
 * The contact component as the server assembles it (server/boot.ts): the configured contact rules
 * (CONTACT_*), the conversation runtime for the borrower's chats, the SMS provider, the data key for
 * their mobile, and — with an official account configured — its API and template ids (OA_TEMPLATE_*).
 */
export function createContactService(deps: { config: Config; db: Database; sql: Sql; clock: Clock; logger: Logger; runtime: ContactServiceDeps['conversations']; sms: Pick<SmsSender, 'sendNotice'>; cipher: Pick<FieldCipher, 'decrypt'> }): ContactService {
  const oa = deps.config.officialAccount;
  return new ContactService({
    prisma: deps.db.prisma,
    sql: deps.sql,
    clock: deps.clock,
    logger: deps.logger.child({ component: 'contact' }),
    policy: deps.config.contact.policy,
    conversations: deps.runtime,
    sms: deps.sms,
    cipher: deps.cipher,
    ...(oa
      ? {
          officialAccount: {
            api: createOfficialAccountApi({ appId: oa.appId, appSecret: oa.appSecret, baseUrl: oa.apiBaseUrl, tokenApi: oa.tokenApi }),
            templates: deps.config.contact.officialAccountTemplates,
            url: deps.config.publicBaseUrl,
          },
        }
      : {}),
  });
}
