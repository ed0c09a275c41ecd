import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { AppError, databaseFault, dbUnavailable } from './errors.js';

// The shapes below are copied from what pg 8, PostgreSQL 15 and Prisma 7's pg driver adapter threw
// when the database refused a connection or a backend was terminated (pg_terminate_backend).
const socketError = (code: string) => Object.assign(new Error(`connect ${code} 10.1.2.3:5432`), { code, errno: -111, syscall: 'connect', address: '10.1.2.3', port: 5432 });
const serverError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'FATAL' });
const prismaError = (code: string, cause: Record<string, unknown>, message = 'Invalid `prisma.$queryRawUnsafe()` invocation: Raw query failed.') =>
  Object.assign(new Error(message), {
    name: 'PrismaClientKnownRequestError',
    code,
    meta: { driverAdapterError: Object.assign(new Error('DriverAdapterError'), { name: 'DriverAdapterError', cause }) },
  });

describe('databaseFault', () => {
  it.each([
    ['pg: connection refused', socketError('ECONNREFUSED'), 'connection refused'],
    ['pg: connection reset', socketError('ECONNRESET'), 'connection lost'],
    ['pg: connect timed out', socketError('ETIMEDOUT'), 'connection timed out'],
    ['pg: dropped while idle', new Error('Connection terminated unexpectedly'), 'connection lost'],
    ['pg: pool connect timeout', new Error('timeout exceeded when trying to connect'), 'connection timed out'],
    ['pg: used after a drop', new Error('Client has encountered a connection error and is not queryable'), 'connection lost'],
    ['PostgreSQL: backend terminated', serverError('57P01', 'terminating connection due to administrator command'), 'the database closed the connection'],
    ['PostgreSQL: starting up', serverError('57P03', 'the database system is starting up'), 'the database is starting up or shutting down'],
    ['PostgreSQL: class 08', serverError('08006', 'connection failure'), 'connection lost'],
    ['PostgreSQL: too many connections', serverError('53300', 'sorry, too many clients already'), 'too many connections'],
    ['Prisma: P1001 via the driver adapter', prismaError('P1001', { kind: 'DatabaseNotReachable', host: '10.1.2.3', port: 5432 }), 'connection refused'],
    ['Prisma: raw query on a terminated backend', prismaError('P2010', { originalCode: '57P01', kind: 'postgres', code: '57P01' }), 'the database closed the connection'],
    ['Prisma: P1017', Object.assign(new Error('Server has closed the connection.'), { code: 'P1017' }), 'connection lost'],
    ['wrapped in an AppError', new AppError('TURN_FAILED', { event: 'user.text', reason: 'x' }, { cause: serverError('57P01', 'terminating') }), 'the database closed the connection'],
  ])('%s → %s', (_, error, reason) => {
    expect(databaseFault(error)).toEqual({ reason, transient: true });
  });

  it('tells a refused login or a missing database (waiting does not help) from an outage', () => {
    expect(databaseFault(serverError('28P01', 'password authentication failed for user "kd"'))).toEqual({ reason: 'the database refused the login', transient: false });
    expect(databaseFault(new AppError('DB_UNAVAILABLE', { reason: 'cannot connect' }, { cause: serverError('3D000', 'database "kd" does not exist') }))).toMatchObject({ transient: false });
  });

  it('is not fooled by bugs, constraint violations or expected outcomes', () => {
    expect(databaseFault(new Error('boom'))).toBeUndefined();
    expect(databaseFault(serverError('23505', 'duplicate key value violates unique constraint'))).toBeUndefined();
    expect(databaseFault(prismaError('P2002', { kind: 'UniqueConstraintViolation' }))).toBeUndefined();
    expect(databaseFault(new AppError('CONFLICT', { reason: 'changed' }))).toBeUndefined();
    expect(databaseFault('a string')).toBeUndefined();
    expect(databaseFault(undefined)).toBeUndefined();
  });

  it('recognises a real refused connection', async () => {
    const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:1/none' });
    const error = await client.connect().then(() => undefined, (e: unknown) => e);
    expect(databaseFault(error)).toEqual({ reason: 'connection refused', transient: true });
  });
});

describe('dbUnavailable', () => {
  it('answers 503 with a reason and never the address the driver named', () => {
    const error = dbUnavailable(prismaError('P1001', { kind: 'DatabaseNotReachable', host: '10.1.2.3', port: 5432 }, "Can't reach database server at `10.1.2.3:5432`"));
    expect(error.statusCode).toBe(503);
    expect(error.toBody()).toEqual({ error: { code: 'DB_UNAVAILABLE', message: 'Database unavailable: connection refused' } });
    expect(JSON.stringify(error.toBody())).not.toMatch(/10\.1\.2\.3|5432/);
    expect(error.cause).toBeDefined();
  });
});
