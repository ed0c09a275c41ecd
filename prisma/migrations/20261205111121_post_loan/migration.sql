-- AlterEnum
ALTER TYPE "WorkItemKind" ADD VALUE 'collection';

-- AlterTable
ALTER TABLE "CreditLine" ADD COLUMN     "bucket" TEXT NOT NULL DEFAULT 'M0',
ADD COLUMN     "dpd" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "evaluatedOn" DATE,
ADD COLUMN     "freezeReason" TEXT,
ADD COLUMN     "frozenAt" TIMESTAMPTZ(3),
ADD COLUMN     "loanClass" TEXT NOT NULL DEFAULT 'normal';

-- AlterTable
ALTER TABLE "Drawdown" ADD COLUMN     "bucket" TEXT NOT NULL DEFAULT 'M0',
ADD COLUMN     "dpd" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "loanClass" TEXT NOT NULL DEFAULT 'normal',
ADD COLUMN     "penaltyFen" BIGINT NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "BusinessClock" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "offsetMs" BIGINT NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "BusinessClock_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BatchRun" (
    "id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "businessDate" DATE NOT NULL,
    "status" TEXT NOT NULL,
    "cursor" TEXT,
    "processed" INTEGER NOT NULL DEFAULT 0,
    "changed" INTEGER NOT NULL DEFAULT 0,
    "summary" JSONB,
    "error" TEXT,
    "startedAt" TIMESTAMPTZ(3) NOT NULL,
    "finishedAt" TIMESTAMPTZ(3),

    CONSTRAINT "BatchRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LoanClassification" (
    "id" UUID NOT NULL,
    "drawdownId" UUID NOT NULL,
    "creditLineId" UUID NOT NULL,
    "businessDate" DATE NOT NULL,
    "dpd" INTEGER NOT NULL,
    "bucket" TEXT NOT NULL,
    "loanClass" TEXT NOT NULL,
    "previousClass" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LoanClassification_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PortfolioSnapshot" (
    "businessDate" DATE NOT NULL,
    "data" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PortfolioSnapshot_pkey" PRIMARY KEY ("businessDate")
);

-- CreateTable
CREATE TABLE "ContactLog" (
    "id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "borrowerId" UUID NOT NULL,
    "creditLineId" UUID,
    "purpose" TEXT NOT NULL,
    "template" TEXT NOT NULL,
    "params" JSONB,
    "channel" TEXT,
    "conversationId" UUID,
    "status" TEXT NOT NULL,
    "reason" TEXT,
    "notBefore" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "result" JSONB,
    "sentAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ContactLog_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RiskSignal" (
    "id" UUID NOT NULL,
    "creditLineId" UUID NOT NULL,
    "borrowerId" UUID NOT NULL,
    "businessDate" DATE NOT NULL,
    "level" TEXT NOT NULL,
    "reasons" JSONB NOT NULL,
    "behaviourScore" INTEGER,
    "branch" TEXT,
    "managerId" UUID,
    "status" TEXT NOT NULL DEFAULT 'open',
    "reviewedById" UUID,
    "reviewedAt" TIMESTAMPTZ(3),
    "reviewNote" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RiskSignal_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LineReview" (
    "id" UUID NOT NULL,
    "creditLineId" UUID NOT NULL,
    "borrowerId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "period" DATE NOT NULL,
    "businessDate" DATE NOT NULL,
    "outcome" TEXT NOT NULL,
    "detail" JSONB,
    "newLimitFen" BIGINT,
    "newValidUntil" DATE,
    "decidedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "LineReview_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "BatchRun_kind_businessDate_key" ON "BatchRun"("kind", "businessDate");

-- CreateIndex
CREATE INDEX "LoanClassification_creditLineId_idx" ON "LoanClassification"("creditLineId");

-- CreateIndex
CREATE UNIQUE INDEX "LoanClassification_drawdownId_businessDate_key" ON "LoanClassification"("drawdownId", "businessDate");

-- CreateIndex
CREATE UNIQUE INDEX "ContactLog_key_key" ON "ContactLog"("key");

-- CreateIndex
CREATE INDEX "ContactLog_borrowerId_sentAt_idx" ON "ContactLog"("borrowerId", "sentAt");

-- CreateIndex
CREATE INDEX "ContactLog_status_notBefore_idx" ON "ContactLog"("status", "notBefore");

-- CreateIndex
CREATE INDEX "ContactLog_creditLineId_idx" ON "ContactLog"("creditLineId");

-- CreateIndex
CREATE INDEX "RiskSignal_status_level_idx" ON "RiskSignal"("status", "level");

-- CreateIndex
CREATE INDEX "RiskSignal_borrowerId_idx" ON "RiskSignal"("borrowerId");

-- CreateIndex
CREATE UNIQUE INDEX "RiskSignal_creditLineId_businessDate_key" ON "RiskSignal"("creditLineId", "businessDate");

-- CreateIndex
CREATE INDEX "LineReview_borrowerId_idx" ON "LineReview"("borrowerId");

-- CreateIndex
CREATE UNIQUE INDEX "LineReview_creditLineId_kind_period_key" ON "LineReview"("creditLineId", "kind", "period");
