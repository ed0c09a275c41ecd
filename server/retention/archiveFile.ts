import { randomBytes } from 'node:crypto';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

/** One archived row: the kind it was kept under, its table, and the row as PostgreSQL's `to_jsonb` wrote it. */
export interface ArchivedRow {
  readonly kind: string;
  readonly table: string;
  readonly row: Record<string, unknown>;
}

/**
 * A gzip-compressed JSON Lines file the retention job appends to, one gzip member per batch (a
 * concatenation of gzip members is itself a gzip file: `zcat`, `gunzip -c` and node:zlib read it
 * whole). `append` returns once the member and the file's directory entry are on disk (fsync), so
 * rows are deleted only after they are safely written. Created on the first append, mode 0600:
 * archives hold personal data.
 */
export class ArchiveFile {
  private handle: FileHandle | undefined;
  private rows = 0;

  private constructor(readonly path: string) {}

  /** `<dir>/retention-<UTC moment>-<kind>-<random>.jsonl.gz`; nothing is written until the first append. */
  static at(dir: string, kind: string, now: Date): ArchiveFile {
    const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    return new ArchiveFile(path.join(dir, `retention-${stamp}-${kind}-${randomBytes(3).toString('hex')}.jsonl.gz`));
  }

  /** Rows written so far. */
  get written(): number {
    return this.rows;
  }

  /** Appends lines (each already a JSON object's text) as one gzip member and fsyncs it. */
  async append(lines: readonly string[]): Promise<void> {
    if (!lines.length) return;
    if (!this.handle) {
      const dir = path.dirname(this.path);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      this.handle = await open(this.path, 'ax', 0o600);
      // The new name itself must survive a crash, not only the bytes.
      const dirHandle = await open(dir, 'r');
      try {
        await dirHandle.sync();
      } finally {
        await dirHandle.close();
      }
    }
    await this.handle.write(gzipSync(Buffer.from(lines.join('\n') + '\n', 'utf8')));
    await this.handle.sync();
    this.rows += lines.length;
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }
}

/**
 * Reads an archive back: every row of every complete gzip member. A file cut short by a crash in the
 * middle of a write (a torn last member) yields the rows of the members before it.
 */
export function readArchive(bytes: Buffer): ArchivedRow[] {
  let text: string;
  try {
    text = gunzipSync(bytes).toString('utf8');
  } catch {
    // A torn last member: zlib's streaming mode returns what it could decode.
    text = gunzipSync(bytes, { finishFlush: 2 /* Z_SYNC_FLUSH */ }).toString('utf8');
    text = text.slice(0, text.lastIndexOf('\n') + 1);
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ArchivedRow);
}
