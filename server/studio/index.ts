/** server/studio: the managers' studio — attribution codes and QR codes, campaigns and their sending, funnels and dashboards, batch pre-credit. */
export * from './contracts.js';
export { CONVERSATION_CHANNEL_OF, isMarketingOptedOut, marketingOptedOutSql, type OptOutSubject, type OptOutSubjectSql } from './marketingOptOut.js';
