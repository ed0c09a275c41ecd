import type { PrismaClient } from '../db/index.js';

interface Option {
  readonly label: string;
  readonly value: string;
}

export interface TranscriptLine {
  readonly seq: number;
  readonly direction: 'inbound' | 'outbound';
  readonly author: 'borrower' | 'bot' | 'staff' | 'system';
  /** Who wrote a staff line. */
  readonly staff?: { readonly displayName: string; readonly employeeNo: string | null };
  /** As stored (ID numbers, phones and SMS codes masked); a tapped option reads as its label. */
  readonly text: string;
  /** The borrower tapped one of the options shown just before (text is its label). */
  readonly tapped?: true;
  /** The options a bot line offered, by label. */
  readonly options?: readonly string[];
  /** A card's kind (offer, schedule, receipt, …): the transcript names it, the context panel has the figures. */
  readonly card?: string;
  readonly createdAt: string;
}

const MAX_LINES = 2_000;

const authorOf = (author: string): TranscriptLine['author'] => (author === 'borrower' ? 'borrower' : author.startsWith('staff') ? 'staff' : author === 'system' ? 'system' : 'bot');

/**
 * A conversation's transcript for staff: the stored text (PII already masked when stored), a
 * borrower's tapped option shown as the label of the option offered since they last spoke (the
 * machine receives its value), staff lines with the person's name and 工号, and a staff message's
 * own record (the inbound copy of what the reply relays) shown once.
 */
export async function staffTranscript(prisma: PrismaClient, conversationId: string, afterSeq: number): Promise<TranscriptLine[]> {
  const rows = await prisma.message.findMany({ where: { conversationId }, orderBy: { seq: 'desc' }, take: MAX_LINES });
  rows.reverse();
  const staffIds = [...new Set(rows.filter((r) => r.author.startsWith('staff:')).map((r) => r.author.slice(6)))];
  const staff = new Map((await prisma.staffUser.findMany({ where: { id: { in: staffIds } }, select: { id: true, displayName: true, employeeNo: true } })).map((s) => [s.id, s]));
  const lines: TranscriptLine[] = [];
  let offered: readonly Option[] = [];
  rows.forEach((m, i) => {
    const payload = (m.payload ?? {}) as { options?: Option[]; card?: { type?: string }; sender?: { kind?: string; name?: string } };
    const author = authorOf(m.author);
    if (author === 'staff' && m.direction === 'inbound') {
      const next = rows[i + 1];
      if (next && next.direction === 'outbound' && next.author === m.author) return;
    }
    let text = m.text;
    let tapped = false;
    if (author === 'borrower') {
      const chosen = offered.find((o) => o.value === m.text.trim());
      if (chosen) {
        text = chosen.label;
        tapped = true;
      }
      offered = [];
    } else if (payload.options?.length) offered = payload.options;
    if (m.seq <= afterSeq) return;
    const who = author === 'staff' ? staff.get(m.author.slice(6)) : undefined;
    lines.push({
      seq: m.seq,
      direction: m.direction,
      author,
      ...(author === 'staff' ? { staff: who ? { displayName: who.displayName, employeeNo: who.employeeNo } : { displayName: payload.sender?.name ?? '', employeeNo: null } } : {}),
      text,
      ...(tapped ? { tapped: true as const } : {}),
      ...(payload.options?.length ? { options: payload.options.map((o) => o.label) } : {}),
      ...(payload.card?.type ? { card: payload.card.type } : {}),
      createdAt: m.createdAt.toISOString(),
    });
  });
  return lines;
}
