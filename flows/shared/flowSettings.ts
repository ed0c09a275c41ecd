/** Conversation policy a bank configures; defaults in DEFAULT_FLOW_SETTINGS. */
export interface FlowSettings {
  /** Nudge a borrower who stopped in the middle of a form after this long. */
  readonly nudgeAfterMinutes: number;
  /** Returning after this long inside a flow gets "上次您填到…，继续吗？". */
  readonly resumeAfterMinutes: number;
  /** How long a hand-off request waits for staff before the bot tells the borrower and carries on. */
  readonly handoffTimeoutMinutes: number;
  /** Version of the data-authorisation text; a new version needs a new consent. */
  readonly consentTextVersion: string;
  /** Version of the key-terms text a borrower accepts. */
  readonly termsVersion: string;
  /** Public base URL for links sent into group chats (personal link to the web chat). */
  readonly publicBaseUrl: string;
}

export const DEFAULT_FLOW_SETTINGS: FlowSettings = {
  nudgeAfterMinutes: 30,
  resumeAfterMinutes: 30,
  handoffTimeoutMinutes: 10,
  consentTextVersion: 'auth-2026.1',
  termsVersion: 'terms-2026.1',
  publicBaseUrl: 'http://localhost:3000',
};
