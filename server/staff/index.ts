export { StaffAccounts, STAFF_ROLES, LOCKOUT, type StaffAccount, type NewStaffAccount, type StaffActor, type LoginResult } from './staffAccounts.js';
export { StaffSessions, type StaffPrincipal, type StaffSessionSettings } from './staffSessions.js';
export { hashPassword, verifyPassword, passwordProblem, generatePassword } from './passwords.js';
