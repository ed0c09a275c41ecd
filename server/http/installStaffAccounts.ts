import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app.js';
import { StaffAccounts, StaffSessions, type StaffAccount, type StaffPrincipal } from '../staff/index.js';
import { auditRoutes } from './auditRoutes.js';
import { staffAccountRoutes } from './staffAccountRoutes.js';
import { staffAuth } from './staffAuth.js';

/** The service account STAFF_API_TOKEN acts as: agent and supervisor, for the hand-off API. */
export const SERVICE_ACCOUNT = 'api-service';

const principal = (a: StaffAccount): StaffPrincipal => ({ staffId: a.id, username: a.username, displayName: a.displayName, employeeNo: a.employeeNo, roles: a.roles, kind: a.kind });

/**
 * Staff identity on the app: the accounts, the console's sessions, the login, logout and account
 * routes, and the auth hooks every staff route uses. STAFF_API_TOKEN acts as a named service
 * account (created on first start); the local command line's token as an admin (a principal of its own,
 * `local-cli`, attributed in the audit log).
 */
export async function installStaffAccounts(app: FastifyInstance, deps: AppDeps) {
  const { config, db, clock } = deps;
  const secret = config.web.sessionSecret;
  if (!secret) throw new Error('SESSION_SECRET is required for staff sessions (loadConfig enforces it)');
  const accounts = new StaffAccounts(db.prisma, clock);
  const sessions = new StaffSessions(db.prisma, deps.sessionClock ?? clock, { secret, ...config.staffSessions });
  const service = config.staffApiToken ? { token: config.staffApiToken, principal: principal(await accounts.serviceAccount(SERVICE_ACCOUNT, ['agent', 'supervisor'])) } : undefined;
  const local = deps.staffCliToken ? { token: deps.staffCliToken, principal: { staffId: '00000000-0000-4000-8000-00000000c11a', username: 'local-cli', displayName: '本机命令行', employeeNo: null, roles: ['admin' as const], kind: 'service' } } : undefined;
  const auth = staffAuth({ sessions, service, local });
  staffAccountRoutes(app, {
    accounts,
    sessions,
    auth,
    secureCookies: (request) => config.env === 'production' || request.protocol === 'https',
    requireAdmin: config.env === 'production',
  });
  auditRoutes(app, { auth });
  return { accounts, sessions, auth };
}
