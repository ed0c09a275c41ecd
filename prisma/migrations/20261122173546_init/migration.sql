-- CreateEnum
CREATE TYPE "BorrowerKind" AS ENUM ('individual', 'enterprise');

-- CreateEnum
CREATE TYPE "Channel" AS ENUM ('web', 'rest', 'terminal', 'wechat', 'official_account', 'wecom');

-- CreateEnum
CREATE TYPE "HandoffStatus" AS ENUM ('bot', 'requested', 'staff');

-- CreateEnum
CREATE TYPE "MessageDirection" AS ENUM ('inbound', 'outbound');

-- CreateEnum
CREATE TYPE "DeliveryStatus" AS ENUM ('none', 'pending', 'delivered', 'failed');

-- CreateEnum
CREATE TYPE "ApplicationStatus" AS ENUM ('draft', 'submitted', 'decided', 'accepted', 'declined_by_borrower', 'expired', 'cancelled');

-- CreateEnum
CREATE TYPE "DecisionOutcome" AS ENUM ('approved', 'declined', 'manual_review');

-- CreateEnum
CREATE TYPE "CreditLineStatus" AS ENUM ('active', 'frozen', 'expired', 'closed');

-- CreateEnum
CREATE TYPE "DrawdownStatus" AS ENUM ('requested', 'disbursing', 'active', 'settled', 'failed');

-- CreateEnum
CREATE TYPE "InstallmentStatus" AS ENUM ('scheduled', 'due', 'overdue', 'paid');

-- CreateEnum
CREATE TYPE "StaffRole" AS ENUM ('admin', 'manager', 'service', 'risk');

-- CreateEnum
CREATE TYPE "JobStatus" AS ENUM ('pending', 'running', 'done', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "CampaignStatus" AS ENUM ('draft', 'scheduled', 'sending', 'sent', 'cancelled');

-- CreateTable
CREATE TABLE "Borrower" (
    "id" UUID NOT NULL,
    "kind" "BorrowerKind" NOT NULL DEFAULT 'individual',
    "name" TEXT,
    "idNumberEnc" TEXT,
    "idNumberHash" TEXT,
    "idNumberMasked" TEXT,
    "phoneEnc" TEXT,
    "phoneHash" TEXT,
    "phoneMasked" TEXT,
    "enterpriseName" TEXT,
    "uscc" TEXT,
    "enterpriseRole" TEXT,
    "attributedStaffId" UUID,
    "attributedCampaignId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Borrower_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Conversation" (
    "id" UUID NOT NULL,
    "channel" "Channel" NOT NULL,
    "externalUserId" TEXT NOT NULL,
    "externalChatId" TEXT NOT NULL DEFAULT '',
    "borrowerId" UUID,
    "machineId" TEXT NOT NULL,
    "machineVersion" INTEGER NOT NULL,
    "snapshot" JSONB,
    "handoffStatus" "HandoffStatus" NOT NULL DEFAULT 'bot',
    "assignedStaffId" UUID,
    "version" INTEGER NOT NULL DEFAULT 0,
    "lastSeq" INTEGER NOT NULL DEFAULT 0,
    "lastInboundAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Conversation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Message" (
    "id" UUID NOT NULL,
    "conversationId" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "direction" "MessageDirection" NOT NULL,
    "channel" "Channel" NOT NULL,
    "channelMessageId" TEXT,
    "author" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "payload" JSONB,
    "replyToId" UUID,
    "deliveryStatus" "DeliveryStatus" NOT NULL DEFAULT 'none',
    "deliveryAttempts" INTEGER NOT NULL DEFAULT 0,
    "deliveredAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Message_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Consent" (
    "id" UUID NOT NULL,
    "borrowerId" UUID NOT NULL,
    "conversationId" UUID,
    "source" TEXT NOT NULL,
    "textVersion" TEXT NOT NULL,
    "textHash" TEXT NOT NULL,
    "channel" "Channel" NOT NULL,
    "grantedAt" TIMESTAMPTZ(3) NOT NULL,
    "revokedAt" TIMESTAMPTZ(3),

    CONSTRAINT "Consent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Application" (
    "id" UUID NOT NULL,
    "borrowerId" UUID NOT NULL,
    "productId" TEXT NOT NULL,
    "status" "ApplicationStatus" NOT NULL DEFAULT 'draft',
    "purpose" TEXT,
    "requestedAmount" BIGINT,
    "requestedTerm" INTEGER,
    "conversationId" UUID,
    "offerExpiresAt" TIMESTAMPTZ(3),
    "acceptedAt" TIMESTAMPTZ(3),
    "termsVersion" TEXT,
    "termsHash" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Application_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Decision" (
    "id" UUID NOT NULL,
    "applicationId" UUID NOT NULL,
    "outcome" "DecisionOutcome" NOT NULL,
    "score" INTEGER,
    "grade" TEXT,
    "reasonCodes" TEXT[],
    "detail" JSONB,
    "modelVersion" TEXT NOT NULL,
    "limitFen" BIGINT,
    "ratePpm" INTEGER,
    "aprSimpleBp" INTEGER,
    "aprCompoundBp" INTEGER,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Decision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CreditLine" (
    "id" UUID NOT NULL,
    "borrowerId" UUID NOT NULL,
    "productId" TEXT NOT NULL,
    "decisionId" UUID,
    "limitFen" BIGINT NOT NULL,
    "availableFen" BIGINT NOT NULL,
    "ratePpm" INTEGER NOT NULL,
    "validFrom" DATE NOT NULL,
    "validUntil" DATE NOT NULL,
    "reviewAt" DATE NOT NULL,
    "status" "CreditLineStatus" NOT NULL DEFAULT 'active',
    "state" JSONB,
    "version" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "CreditLine_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Drawdown" (
    "id" UUID NOT NULL,
    "creditLineId" UUID NOT NULL,
    "amountFen" BIGINT NOT NULL,
    "termMonths" INTEGER NOT NULL,
    "method" TEXT NOT NULL,
    "ratePpm" INTEGER NOT NULL,
    "status" "DrawdownStatus" NOT NULL DEFAULT 'requested',
    "idempotencyKey" TEXT NOT NULL,
    "paymentRef" TEXT,
    "startDate" DATE NOT NULL,
    "disbursedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Drawdown_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Installment" (
    "id" UUID NOT NULL,
    "drawdownId" UUID NOT NULL,
    "period" INTEGER NOT NULL,
    "dueDate" DATE NOT NULL,
    "principalFen" BIGINT NOT NULL,
    "interestFen" BIGINT NOT NULL,
    "paidPrincipal" BIGINT NOT NULL DEFAULT 0,
    "paidInterest" BIGINT NOT NULL DEFAULT 0,
    "paidPenalty" BIGINT NOT NULL DEFAULT 0,
    "status" "InstallmentStatus" NOT NULL DEFAULT 'scheduled',

    CONSTRAINT "Installment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Repayment" (
    "id" UUID NOT NULL,
    "creditLineId" UUID NOT NULL,
    "drawdownId" UUID,
    "amountFen" BIGINT NOT NULL,
    "kind" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "paymentRef" TEXT,
    "paidAt" TIMESTAMPTZ(3) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Repayment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RepaymentAllocation" (
    "id" UUID NOT NULL,
    "repaymentId" UUID NOT NULL,
    "installmentId" UUID,
    "penaltyFen" BIGINT NOT NULL DEFAULT 0,
    "interestFen" BIGINT NOT NULL DEFAULT 0,
    "principalFen" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "RepaymentAllocation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LedgerEntry" (
    "id" UUID NOT NULL,
    "postingId" UUID NOT NULL,
    "account" TEXT NOT NULL,
    "debitFen" BIGINT NOT NULL DEFAULT 0,
    "creditFen" BIGINT NOT NULL DEFAULT 0,
    "memo" TEXT NOT NULL,
    "refType" TEXT NOT NULL,
    "refId" TEXT NOT NULL,
    "bookedOn" DATE NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LedgerEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StaffUser" (
    "id" UUID NOT NULL,
    "username" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "role" "StaffRole" NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "referralCode" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "StaffUser_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Campaign" (
    "id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdById" UUID,
    "status" "CampaignStatus" NOT NULL DEFAULT 'draft',
    "content" JSONB NOT NULL,
    "scheduledAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Campaign_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CampaignDelivery" (
    "id" UUID NOT NULL,
    "campaignId" UUID NOT NULL,
    "channel" "Channel" NOT NULL,
    "target" TEXT NOT NULL,
    "status" "JobStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "sentAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CampaignDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditLog" (
    "id" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorType" TEXT NOT NULL,
    "actorId" TEXT,
    "action" TEXT NOT NULL,
    "subjectType" TEXT NOT NULL,
    "subjectId" TEXT,
    "detail" JSONB,

    CONSTRAINT "AuditLog_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Job" (
    "id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "dueAt" TIMESTAMPTZ(3) NOT NULL,
    "payload" JSONB NOT NULL,
    "status" "JobStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lockedBy" TEXT,
    "lockedUntil" TIMESTAMPTZ(3),
    "lastError" TEXT,
    "doneAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Job_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Borrower_idNumberHash_key" ON "Borrower"("idNumberHash");

-- CreateIndex
CREATE INDEX "Borrower_phoneHash_idx" ON "Borrower"("phoneHash");

-- CreateIndex
CREATE INDEX "Conversation_borrowerId_idx" ON "Conversation"("borrowerId");

-- CreateIndex
CREATE INDEX "Conversation_handoffStatus_updatedAt_idx" ON "Conversation"("handoffStatus", "updatedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Conversation_channel_externalUserId_externalChatId_key" ON "Conversation"("channel", "externalUserId", "externalChatId");

-- CreateIndex
CREATE INDEX "Message_deliveryStatus_createdAt_idx" ON "Message"("deliveryStatus", "createdAt");

-- CreateIndex
CREATE INDEX "Message_replyToId_idx" ON "Message"("replyToId");

-- CreateIndex
CREATE UNIQUE INDEX "Message_channel_channelMessageId_key" ON "Message"("channel", "channelMessageId");

-- CreateIndex
CREATE UNIQUE INDEX "Message_conversationId_seq_key" ON "Message"("conversationId", "seq");

-- CreateIndex
CREATE INDEX "Consent_borrowerId_source_idx" ON "Consent"("borrowerId", "source");

-- CreateIndex
CREATE INDEX "Application_borrowerId_idx" ON "Application"("borrowerId");

-- CreateIndex
CREATE INDEX "Application_status_idx" ON "Application"("status");

-- CreateIndex
CREATE INDEX "Decision_applicationId_idx" ON "Decision"("applicationId");

-- CreateIndex
CREATE INDEX "CreditLine_borrowerId_idx" ON "CreditLine"("borrowerId");

-- CreateIndex
CREATE UNIQUE INDEX "Drawdown_idempotencyKey_key" ON "Drawdown"("idempotencyKey");

-- CreateIndex
CREATE INDEX "Drawdown_creditLineId_idx" ON "Drawdown"("creditLineId");

-- CreateIndex
CREATE INDEX "Installment_dueDate_status_idx" ON "Installment"("dueDate", "status");

-- CreateIndex
CREATE UNIQUE INDEX "Installment_drawdownId_period_key" ON "Installment"("drawdownId", "period");

-- CreateIndex
CREATE UNIQUE INDEX "Repayment_idempotencyKey_key" ON "Repayment"("idempotencyKey");

-- CreateIndex
CREATE INDEX "Repayment_creditLineId_idx" ON "Repayment"("creditLineId");

-- CreateIndex
CREATE INDEX "RepaymentAllocation_repaymentId_idx" ON "RepaymentAllocation"("repaymentId");

-- CreateIndex
CREATE INDEX "LedgerEntry_postingId_idx" ON "LedgerEntry"("postingId");

-- CreateIndex
CREATE INDEX "LedgerEntry_refType_refId_idx" ON "LedgerEntry"("refType", "refId");

-- CreateIndex
CREATE INDEX "LedgerEntry_account_bookedOn_idx" ON "LedgerEntry"("account", "bookedOn");

-- CreateIndex
CREATE UNIQUE INDEX "StaffUser_username_key" ON "StaffUser"("username");

-- CreateIndex
CREATE UNIQUE INDEX "StaffUser_referralCode_key" ON "StaffUser"("referralCode");

-- CreateIndex
CREATE UNIQUE INDEX "Campaign_code_key" ON "Campaign"("code");

-- CreateIndex
CREATE UNIQUE INDEX "CampaignDelivery_campaignId_channel_target_key" ON "CampaignDelivery"("campaignId", "channel", "target");

-- CreateIndex
CREATE INDEX "AuditLog_subjectType_subjectId_idx" ON "AuditLog"("subjectType", "subjectId");

-- CreateIndex
CREATE INDEX "AuditLog_at_idx" ON "AuditLog"("at");

-- CreateIndex
CREATE UNIQUE INDEX "Job_key_key" ON "Job"("key");

-- CreateIndex
CREATE INDEX "Job_status_dueAt_idx" ON "Job"("status", "dueAt");

-- AddForeignKey
ALTER TABLE "Borrower" ADD CONSTRAINT "Borrower_attributedStaffId_fkey" FOREIGN KEY ("attributedStaffId") REFERENCES "StaffUser"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Borrower" ADD CONSTRAINT "Borrower_attributedCampaignId_fkey" FOREIGN KEY ("attributedCampaignId") REFERENCES "Campaign"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Conversation" ADD CONSTRAINT "Conversation_borrowerId_fkey" FOREIGN KEY ("borrowerId") REFERENCES "Borrower"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Conversation" ADD CONSTRAINT "Conversation_assignedStaffId_fkey" FOREIGN KEY ("assignedStaffId") REFERENCES "StaffUser"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Message" ADD CONSTRAINT "Message_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "Conversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Consent" ADD CONSTRAINT "Consent_borrowerId_fkey" FOREIGN KEY ("borrowerId") REFERENCES "Borrower"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Application" ADD CONSTRAINT "Application_borrowerId_fkey" FOREIGN KEY ("borrowerId") REFERENCES "Borrower"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Decision" ADD CONSTRAINT "Decision_applicationId_fkey" FOREIGN KEY ("applicationId") REFERENCES "Application"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CreditLine" ADD CONSTRAINT "CreditLine_borrowerId_fkey" FOREIGN KEY ("borrowerId") REFERENCES "Borrower"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CreditLine" ADD CONSTRAINT "CreditLine_decisionId_fkey" FOREIGN KEY ("decisionId") REFERENCES "Decision"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Drawdown" ADD CONSTRAINT "Drawdown_creditLineId_fkey" FOREIGN KEY ("creditLineId") REFERENCES "CreditLine"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Installment" ADD CONSTRAINT "Installment_drawdownId_fkey" FOREIGN KEY ("drawdownId") REFERENCES "Drawdown"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Repayment" ADD CONSTRAINT "Repayment_creditLineId_fkey" FOREIGN KEY ("creditLineId") REFERENCES "CreditLine"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RepaymentAllocation" ADD CONSTRAINT "RepaymentAllocation_repaymentId_fkey" FOREIGN KEY ("repaymentId") REFERENCES "Repayment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RepaymentAllocation" ADD CONSTRAINT "RepaymentAllocation_installmentId_fkey" FOREIGN KEY ("installmentId") REFERENCES "Installment"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Campaign" ADD CONSTRAINT "Campaign_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "StaffUser"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CampaignDelivery" ADD CONSTRAINT "CampaignDelivery_campaignId_fkey" FOREIGN KEY ("campaignId") REFERENCES "Campaign"("id") ON DELETE CASCADE ON UPDATE CASCADE;
