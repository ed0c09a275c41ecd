import type { Card, Reply } from '../reply.js';

/** A compact, stable text form of replies for golden transcripts. */
export function renderReplies(replies: readonly Reply[]): string {
  return replies
    .map((r) => {
      // A staff member's words are theirs, not the bot's.
      const who = r.sender ? `staff ${r.sender.name}` : 'bot';
      const lines = [`  ${who}: ${r.text.replace(/\n/g, '\n       ')}`];
      if (r.options?.length) lines.push(`       [${r.options.map((o, i) => `${i + 1}. ${o.label}`).join(' | ')}]`);
      if (r.card) lines.push(`       <${renderCard(r.card)}>`);
      if (r.sensitive) lines.push('       (sensitive)');
      return lines.join('\n');
    })
    .join('\n');
}

function renderCard(card: Card): string {
  switch (card.type) {
    case 'offer':
      return `offer APR ${card.apr} (simple ${card.aprSimple}; ${card.aprBasis}) limit ¥${card.limit} rate ${card.annualRate} daily ${card.dailyRate} valid until ${card.validUntil} accept by ${card.offerExpiresAt}`;
    case 'schedule': {
      // The first three rows: the card lists every instalment, the transcript stays readable.
      const more = card.rows.length - 3 + card.moreRows;
      return `schedule ¥${card.principal} ${card.termMonths}m ${card.method} APR ${card.apr} interest ¥${card.totalInterest} total ¥${card.totalRepayment}; ${card.rows.slice(0, 3).map((r) => `${r.period}:${r.dueDate} ¥${r.total}`).join(', ')}${more > 0 ? ` …+${more} (${card.rows.length} listed)` : ''}`;
    }
    case 'receipt':
      return `receipt ${card.kind} ¥${card.amount} ${card.lines.map((l) => `${l.label}=${l.value}`).join(', ')}`;
    case 'account':
      return `account limit ¥${card.limit} available ¥${card.available} outstanding ¥${card.outstanding}${card.nextDue ? ` next ${card.nextDue.date} ¥${card.nextDue.amount}` : ''}${card.overdue ? ` overdue ¥${card.overdue.amount} ${card.overdue.days}d` : ''}`;
    case 'consent':
      return `consent ${card.textVersion}: ${card.sources.map((s) => `${s.id}${s.required ? '*' : ''}`).join(', ')}`;
    case 'link':
      return `link ${card.title} ${card.url}`;
  }
}
