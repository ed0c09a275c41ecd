import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ArchiveFile, readArchive } from './archiveFile.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('ArchiveFile', () => {
  it('appends gzip members that read back as one JSON Lines file, private to the owner', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kuaidai-archive-unit-'));
    dirs.push(dir);
    const file = ArchiveFile.at(path.join(dir, 'archive'), 'conversations', new Date('2031-06-01T03:30:00.123Z'));
    expect(path.basename(file.path)).toMatch(/^retention-20310601T033000Z-conversations-[0-9a-f]{6}\.jsonl\.gz$/);
    await file.append([]);
    await expect(stat(file.path)).rejects.toThrow();
    await file.append(['{"kind":"conversations","table":"Conversation","row":{"id":"a"}}']);
    await file.append(['{"kind":"conversations","table":"Message","row":{"text":"你好\\n"}}', '{"kind":"conversations","table":"Message","row":{"text":"b"}}']);
    await file.close();
    expect(file.written).toBe(3);
    expect((await stat(file.path)).mode & 0o777).toBe(0o600);
    const rows = readArchive(await readFile(file.path));
    expect(rows.map((r) => [r.table, r.row])).toEqual([
      ['Conversation', { id: 'a' }],
      ['Message', { text: '你好\n' }],
      ['Message', { text: 'b' }],
    ]);
  });

  it('reads the complete members of a file torn in the middle of a write', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kuaidai-archive-unit-'));
    dirs.push(dir);
    const file = ArchiveFile.at(dir, 'audit', new Date());
    await file.append(['{"kind":"audit","table":"AuditLog","row":{"id":"kept"}}']);
    const whole = (await stat(file.path)).size;
    await file.append(Array.from({ length: 50 }, (_, i) => `{"kind":"audit","table":"AuditLog","row":{"id":"torn-${i}"}}`));
    await file.close();
    const bytes = await readFile(file.path);
    await writeFile(file.path, bytes.subarray(0, whole + 20));
    const rows = readArchive(await readFile(file.path));
    expect(rows[0]!.row).toEqual({ id: 'kept' });
    expect(rows.every((r) => typeof r.row.id === 'string')).toBe(true);
  });
});
