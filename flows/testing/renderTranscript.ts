import type { Card, Reply } from '../reply.js';

/** A compact, stable text form of replies for golden transcripts. */
export function renderReplies(replies: readonly Reply[]): string {
  return replies
    .map((r) => {
      const lines = [`  bot: ${r.text.replace(/\n/g, '\n       ')}`];
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
      return `offer APR ${card.apr} (simple ${card.aprSimple}) limit ¥${card.limit} rate ${card.annualRate} daily ${card.dailyRate} valid until ${card.validUntil} accept by ${card.offerExpiresAt}`;
    case 'schedule':
      return `schedule ¥${card.principal} ${card.termMonths}m ${card.method} APR ${card.apr} interest ¥${card.totalInterest} total ¥${card.totalRepayment}; ${card.rows.map((r) => `${r.period}:${r.dueDate} ¥${r.total}`).join(', ')}${card.moreRows ? ` …+${card.moreRows}` : ''}`;
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
