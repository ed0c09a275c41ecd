-- Staff roles as the console names them: 客服 agent (was service), 审批员 reviewer (was risk), 客服主管 supervisor.
ALTER TYPE "StaffRole" RENAME VALUE 'service' TO 'agent';
ALTER TYPE "StaffRole" RENAME VALUE 'risk' TO 'reviewer';
ALTER TYPE "StaffRole" ADD VALUE 'supervisor';

-- One or more roles per account, 工号, branch, person or service account.
ALTER TABLE "StaffUser" ADD COLUMN "roles" "StaffRole"[] NOT NULL DEFAULT ARRAY[]::"StaffRole"[],
ADD COLUMN "employeeNo" TEXT,
ADD COLUMN "branch" TEXT,
ADD COLUMN "kind" TEXT NOT NULL DEFAULT 'person';
UPDATE "StaffUser" SET "roles" = ARRAY["role"];
ALTER TABLE "StaffUser" DROP COLUMN "role";
ALTER TABLE "StaffUser" ALTER COLUMN "roles" DROP DEFAULT;

-- CreateIndex
CREATE UNIQUE INDEX "StaffUser_employeeNo_key" ON "StaffUser"("employeeNo");

-- CreateTable
CREATE TABLE "StaffSession" (
    "id" TEXT NOT NULL,
    "staffId" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "lastSeenAt" TIMESTAMPTZ(3) NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "origin" TEXT,
    "revokedAt" TIMESTAMPTZ(3),
    "revokedWhy" TEXT,

    CONSTRAINT "StaffSession_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "StaffSession_staffId_idx" ON "StaffSession"("staffId");

-- CreateIndex
CREATE INDEX "StaffSession_expiresAt_idx" ON "StaffSession"("expiresAt");

-- Lockout counts failed logins per username in the audit log.
CREATE INDEX "AuditLog_action_subjectId_at_idx" ON "AuditLog"("action", "subjectId", "at");
