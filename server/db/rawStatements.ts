import { ColumnTypeEnum, type ArgType, type ColumnType, type SqlDriverAdapter, type SqlResultSet } from '@prisma/driver-adapter-utils';
import { Prisma } from './generated/client.js';

/**
 * Prisma's `$queryRaw` and `$executeRaw` for a `Prisma.sql` statement, below Prisma's client: the
 * statement goes straight to the database's driver adapter (the one the client itself uses), with
 * the same arguments and the same result types as the client's (BigInt for int8, Decimal for
 * numeric, Date for timestamps, parsed JSON). What it skips is the client's request pipeline, which
 * cost more than the statement itself on a turn's effects (issue 14: ~10 % of the server's thread).
 *
 * Errors are the adapter's own (a `DriverAdapterError` whose `cause` has the SQLSTATE and kind), not
 * Prisma's P2010 wrapping of them; `isUniqueViolation` and `databaseFault` read both. Not for an
 * interactive transaction: statements here run on their own, each atomic as PostgreSQL runs it.
 */
export interface RawStatements {
  query<T>(statement: Prisma.Sql): Promise<T[]>;
  /** The number of rows the statement changed. */
  execute(statement: Prisma.Sql): Promise<number>;
}

export function rawStatements(adapter: Pick<SqlDriverAdapter, 'queryRaw' | 'executeRaw'>): RawStatements {
  return {
    async query<T>(statement: Prisma.Sql) {
      return rowsOf(await adapter.queryRaw(rawQuery(statement))) as T[];
    },
    execute: (statement) => adapter.executeRaw(rawQuery(statement)),
  };
}

/** The adapter's query for a statement: its `$n` text, and each value as Prisma's client passes it. */
function rawQuery(statement: Prisma.Sql) {
  const args: unknown[] = [];
  const argTypes: ArgType[] = [];
  for (const value of statement.values) {
    if (Array.isArray(value)) {
      const items = value.map((v) => rawArg(v));
      args.push(items.map((i) => i.arg));
      argTypes.push({ scalarType: items[0]?.scalarType ?? 'unknown', arity: 'list' });
    } else {
      const { arg, scalarType } = rawArg(value);
      args.push(arg);
      argTypes.push({ scalarType, arity: 'scalar' });
    }
  }
  return { sql: statement.text, args, argTypes };
}

/**
 * One value as the client's serializeRawParameters and the engine's deserializeRawParameters make
 * it (Prisma 7): tagged types as text with their scalar type, numbers as `decimal`, objects as JSON.
 */
function rawArg(value: unknown): { arg: unknown; scalarType: ArgType['scalarType'] } {
  if (typeof value === 'string') return { arg: value, scalarType: 'string' };
  if (typeof value === 'number') return Number.isFinite(value) ? { arg: value, scalarType: 'decimal' } : { arg: null, scalarType: 'unknown' };
  if (typeof value === 'bigint') return { arg: value.toString(), scalarType: 'bigint' };
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError('Provided Date object is invalid');
    return { arg: value.toJSON(), scalarType: 'datetime' };
  }
  if (Prisma.Decimal.isDecimal(value)) return { arg: (value as Prisma.Decimal).toJSON(), scalarType: 'decimal' };
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    const bytes = value instanceof ArrayBuffer ? Buffer.from(value) : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    return { arg: bytes.toString('base64'), scalarType: 'bytes' };
  }
  if (typeof value === 'object' && value !== null) return { arg: JSON.stringify(value, bigintAsText), scalarType: 'unknown' };
  return { arg: value ?? null, scalarType: 'unknown' };
}

const bigintAsText = (_key: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

/** Rows as objects, each value typed as the client's serializeRawSql and deserializeRawResult type it. */
function rowsOf(result: SqlResultSet): Record<string, unknown>[] {
  const { columnNames, columnTypes } = result;
  return result.rows.map((values) => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < columnNames.length; i++) row[columnNames[i]!] = typed(values[i], columnTypes[i]!);
    return row;
  });
}

/** Array columns are typed element by element, as their element type. */
const ELEMENT: Partial<Record<ColumnType, ColumnType>> = {
  [ColumnTypeEnum.Int32Array]: ColumnTypeEnum.Int32,
  [ColumnTypeEnum.Int64Array]: ColumnTypeEnum.Int64,
  [ColumnTypeEnum.JsonArray]: ColumnTypeEnum.Json,
  [ColumnTypeEnum.BooleanArray]: ColumnTypeEnum.Boolean,
  [ColumnTypeEnum.NumericArray]: ColumnTypeEnum.Numeric,
  [ColumnTypeEnum.DateTimeArray]: ColumnTypeEnum.DateTime,
  [ColumnTypeEnum.DateArray]: ColumnTypeEnum.Date,
  [ColumnTypeEnum.TimeArray]: ColumnTypeEnum.Time,
  [ColumnTypeEnum.BytesArray]: ColumnTypeEnum.Bytes,
};

function typed(value: unknown, type: ColumnType): unknown {
  if (value === null || value === undefined) return null;
  const element = ELEMENT[type];
  if (element !== undefined) return (value as unknown[]).map((v) => typed(v, element));
  switch (type) {
    case ColumnTypeEnum.Int32:
      return Math.trunc(Number(value));
    case ColumnTypeEnum.Int64:
      return typeof value === 'number' ? BigInt(Math.trunc(value)) : BigInt(value as string);
    case ColumnTypeEnum.Json:
      return JSON.parse(value as string);
    case ColumnTypeEnum.Boolean:
      return typeof value === 'string' ? value === 'true' || value === '1' : typeof value === 'number' ? value === 1 : value;
    case ColumnTypeEnum.Numeric:
      return new Prisma.Decimal(value as string);
    case ColumnTypeEnum.DateTime:
    case ColumnTypeEnum.Date:
      return new Date(value as string);
    case ColumnTypeEnum.Time:
      return new Date(`1970-01-01T${value as string}Z`);
    case ColumnTypeEnum.Bytes:
      return new Uint8Array(Buffer.from(value as string, 'base64'));
    default:
      return value;
  }
}
