import type { ContactOutcome, ContactRequest, Contacts } from '../../server/postLoan/contracts.js';

/**
 * A Contacts for job tests: records every request and, like the real one's ContactLog key, sends a
 * key once (`duplicate` after). `sent` is what reached the borrower.
 */
export function recordingContacts(): Contacts & { readonly requests: ContactRequest[]; readonly sent: ContactRequest[] } {
  const requests: ContactRequest[] = [];
  const sent: ContactRequest[] = [];
  return {
    requests,
    sent,
    async contact(request): Promise<ContactOutcome> {
      requests.push(request);
      if (sent.some((s) => s.key === request.key)) return { status: 'duplicate', channel: 'test' };
      sent.push(request);
      return { status: 'sent', channel: 'test' };
    },
    async sendDeferred() {
      return { sent: 0, deferred: 0, failed: 0 };
    },
  };
}
