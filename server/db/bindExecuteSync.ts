/** A parameter as PGlite's serializers give it: text (bytea too, as `\\x…`), or NULL. */
export type BindValue = string | null;

const EXECUTE_SYNC = Buffer.from([0x45, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0x53, 0, 0, 0, 4]);

/**
 * The frontend messages that run a prepared statement once, in one buffer: Bind (unnamed portal,
 * every parameter and result column as text), Execute (all rows), Sync. The same bytes as PGlite's
 * `protocol.serialize.bind`, `execute` and `sync` joined, without their cost on the embedded
 * database's thread: its writer counts each string's UTF-8 length in a JavaScript loop, grows its
 * buffer by copying, and the three messages are copied again to be joined. A turn's commit sends
 * several kilobytes of JSON this way. Here each string's length and bytes come from Buffer's native
 * UTF-8 code and are written once into a buffer of the right size.
 */
export function bindExecuteSync(statement: string, values: readonly BindValue[]): Buffer {
  let valuesLength = 0;
  for (const v of values) valuesLength += 4 + (v === null ? 0 : Buffer.byteLength(v));
  // Portal '' and statement name (C strings), format codes, values, result format codes (none: text).
  const bodyLength = 1 + Buffer.byteLength(statement) + 1 + 2 + 2 * values.length + 2 + valuesLength + 2;
  const out = Buffer.allocUnsafe(1 + 4 + bodyLength + EXECUTE_SYNC.length);
  let at = out.writeUInt8(0x42, 0);
  at = out.writeInt32BE(4 + bodyLength, at);
  at = out.writeUInt8(0, at);
  at += out.write(statement, at);
  at = out.writeUInt8(0, at);
  at = out.writeUInt16BE(values.length, at);
  // Each parameter's format code: 0, text.
  out.fill(0, at, at + 2 * values.length);
  at += 2 * values.length;
  at = out.writeUInt16BE(values.length, at);
  for (const v of values) {
    if (v === null) {
      at = out.writeInt32BE(-1, at);
    } else {
      const written = out.write(v, at + 4);
      out.writeInt32BE(written, at);
      at += 4 + written;
    }
  }
  at = out.writeInt16BE(0, at);
  EXECUTE_SYNC.copy(out, at);
  return out;
}
