-- CreateEnum
CREATE TYPE "WorkItemKind" AS ENUM ('manual_review', 'handoff');

-- CreateEnum
CREATE TYPE "WorkItemStatus" AS ENUM ('open', 'assigned', 'done');

-- AlterTable
ALTER TABLE "Application" ADD COLUMN     "purposeDetail" TEXT,
ADD COLUMN     "referral" TEXT;

-- AlterTable
ALTER TABLE "RepaymentAllocation" ADD COLUMN     "drawdownId" UUID,
ADD COLUMN     "kind" TEXT NOT NULL DEFAULT 'installment',
ADD COLUMN     "period" INTEGER;

-- CreateTable
CREATE TABLE "WorkItem" (
    "id" UUID NOT NULL,
    "kind" "WorkItemKind" NOT NULL,
    "status" "WorkItemStatus" NOT NULL DEFAULT 'open',
    "borrowerId" UUID,
    "applicationId" UUID,
    "decisionId" UUID,
    "conversationId" TEXT,
    "reason" TEXT NOT NULL,
    "detail" JSONB,
    "dueAt" TIMESTAMPTZ(3) NOT NULL,
    "assigneeId" UUID,
    "assignedAt" TIMESTAMPTZ(3),
    "doneAt" TIMESTAMPTZ(3),
    "resolution" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "WorkItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OtpChallenge" (
    "id" UUID NOT NULL,
    "conversationId" TEXT NOT NULL,
    "mobileHash" TEXT NOT NULL,
    "codeHash" TEXT NOT NULL,
    "sentAt" TIMESTAMPTZ(3) NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "maxAttempts" INTEGER NOT NULL DEFAULT 5,
    "consumedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OtpChallenge_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ContactPreference" (
    "id" UUID NOT NULL,
    "channel" "Channel",
    "externalUserId" TEXT,
    "conversationId" TEXT,
    "borrowerId" UUID,
    "marketingOptOut" BOOLEAN NOT NULL DEFAULT false,
    "optedOutAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ContactPreference_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "IdempotencyRecord" (
    "id" UUID NOT NULL,
    "scope" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "result" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "IdempotencyRecord_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "WorkItem_status_dueAt_idx" ON "WorkItem"("status", "dueAt");

-- CreateIndex
CREATE INDEX "WorkItem_kind_status_idx" ON "WorkItem"("kind", "status");

-- CreateIndex
CREATE INDEX "WorkItem_conversationId_idx" ON "WorkItem"("conversationId");

-- CreateIndex
CREATE INDEX "WorkItem_applicationId_idx" ON "WorkItem"("applicationId");

-- CreateIndex
CREATE INDEX "OtpChallenge_conversationId_mobileHash_sentAt_idx" ON "OtpChallenge"("conversationId", "mobileHash", "sentAt");

-- CreateIndex
CREATE INDEX "OtpChallenge_mobileHash_sentAt_idx" ON "OtpChallenge"("mobileHash", "sentAt");

-- CreateIndex
CREATE UNIQUE INDEX "ContactPreference_conversationId_key" ON "ContactPreference"("conversationId");

-- CreateIndex
CREATE INDEX "ContactPreference_borrowerId_idx" ON "ContactPreference"("borrowerId");

-- CreateIndex
CREATE UNIQUE INDEX "ContactPreference_channel_externalUserId_key" ON "ContactPreference"("channel", "externalUserId");

-- CreateIndex
CREATE UNIQUE INDEX "IdempotencyRecord_scope_key_key" ON "IdempotencyRecord"("scope", "key");

-- AddForeignKey
ALTER TABLE "WorkItem" ADD CONSTRAINT "WorkItem_assigneeId_fkey" FOREIGN KEY ("assigneeId") REFERENCES "StaffUser"("id") ON DELETE SET NULL ON UPDATE CASCADE;
