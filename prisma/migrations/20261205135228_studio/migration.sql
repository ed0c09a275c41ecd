-- AlterEnum
BEGIN;
CREATE TYPE "CampaignStatus_new" AS ENUM ('draft', 'submitted', 'approved', 'scheduled', 'running', 'paused', 'cancelled', 'done');
ALTER TABLE "public"."Campaign" ALTER COLUMN "status" DROP DEFAULT;
ALTER TABLE "Campaign" ALTER COLUMN "status" TYPE "CampaignStatus_new" USING ((CASE "status"::text WHEN 'sending' THEN 'running' WHEN 'sent' THEN 'done' ELSE "status"::text END)::"CampaignStatus_new");
ALTER TYPE "CampaignStatus" RENAME TO "CampaignStatus_old";
ALTER TYPE "CampaignStatus_new" RENAME TO "CampaignStatus";
DROP TYPE "public"."CampaignStatus_old";
ALTER TABLE "Campaign" ALTER COLUMN "status" SET DEFAULT 'draft';
COMMIT;

-- DropIndex
DROP INDEX "CampaignDelivery_campaignId_channel_target_key";

-- Nothing ever wrote a delivery before the studio (no sender existed); rows without a recipient key cannot be kept.
DELETE FROM "CampaignDelivery";

-- AlterTable
ALTER TABLE "Application" ADD COLUMN     "attributedBranch" TEXT,
ADD COLUMN     "attributedCampaignId" UUID,
ADD COLUMN     "attributedStaffId" UUID,
ADD COLUMN     "firstTouch" TEXT,
ADD COLUMN     "precreditEntryId" UUID;

-- AlterTable
ALTER TABLE "Borrower" ADD COLUMN     "attributedBranch" TEXT,
ADD COLUMN     "firstTouch" TEXT,
ADD COLUMN     "firstTouchAt" TIMESTAMPTZ(3),
ADD COLUMN     "tags" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "Campaign" ADD COLUMN     "approvedAt" TIMESTAMPTZ(3),
ADD COLUMN     "approvedById" UUID,
ADD COLUMN     "audience" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "branch" TEXT,
ADD COLUMN     "cancelledAt" TIMESTAMPTZ(3),
ADD COLUMN     "channels" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "finishedAt" TIMESTAMPTZ(3),
ADD COLUMN     "groupTargets" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "pausedAt" TIMESTAMPTZ(3),
ADD COLUMN     "productId" TEXT,
ADD COLUMN     "startedAt" TIMESTAMPTZ(3),
ADD COLUMN     "statusNote" TEXT,
ADD COLUMN     "submittedAt" TIMESTAMPTZ(3),
ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "CampaignDelivery" ADD COLUMN     "borrowerId" UUID,
ADD COLUMN     "clickedAt" TIMESTAMPTZ(3),
ADD COLUMN     "conversationId" UUID,
ADD COLUMN     "deliveredAt" TIMESTAMPTZ(3),
ADD COLUMN     "notBefore" TIMESTAMPTZ(3),
ADD COLUMN     "openedAt" TIMESTAMPTZ(3),
ADD COLUMN     "reason" TEXT,
ADD COLUMN     "recipientKey" TEXT NOT NULL,
ADD COLUMN     "result" JSONB,
ADD COLUMN     "token" TEXT NOT NULL,
ADD COLUMN     "updatedAt" TIMESTAMPTZ(3) NOT NULL,
DROP COLUMN "channel",
ADD COLUMN     "channel" TEXT NOT NULL,
DROP COLUMN "status",
ADD COLUMN     "status" TEXT NOT NULL DEFAULT 'pending';

-- AlterTable
ALTER TABLE "CreditLine" ADD COLUMN     "attributedBranch" TEXT,
ADD COLUMN     "attributedCampaignId" UUID,
ADD COLUMN     "attributedStaffId" UUID,
ADD COLUMN     "firstTouch" TEXT;

-- CreateTable
CREATE TABLE "LinkClick" (
    "id" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "code" TEXT NOT NULL,
    "campaignId" UUID,
    "deliveryId" UUID,
    "staffId" UUID,
    "branch" TEXT,
    "source" TEXT NOT NULL DEFAULT 'link',
    "visitorId" TEXT,

    CONSTRAINT "LinkClick_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Branch" (
    "id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "parentCode" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Branch_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PrecreditBatch" (
    "id" UUID NOT NULL,
    "fileSha256" TEXT NOT NULL,
    "fileName" TEXT NOT NULL,
    "productId" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "total" INTEGER NOT NULL DEFAULT 0,
    "processed" INTEGER NOT NULL DEFAULT 0,
    "whitelisted" INTEGER NOT NULL DEFAULT 0,
    "excluded" INTEGER NOT NULL DEFAULT 0,
    "rejected" INTEGER NOT NULL DEFAULT 0,
    "errors" JSONB NOT NULL DEFAULT '[]',
    "createdById" UUID,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "startedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMPTZ(3),
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "PrecreditBatch_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PrecreditEntry" (
    "id" UUID NOT NULL,
    "batchId" UUID NOT NULL,
    "rowNo" INTEGER NOT NULL,
    "customerRef" TEXT NOT NULL,
    "nameMasked" TEXT,
    "idNumberHash" TEXT,
    "phoneHash" TEXT,
    "phoneMasked" TEXT,
    "branch" TEXT,
    "managerCode" TEXT,
    "outcome" TEXT NOT NULL,
    "limitFen" BIGINT,
    "ratePpm" INTEGER,
    "score" INTEGER,
    "grade" TEXT,
    "reasons" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "activatedAt" TIMESTAMPTZ(3),
    "applicationId" UUID,

    CONSTRAINT "PrecreditEntry_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "LinkClick_campaignId_at_idx" ON "LinkClick"("campaignId", "at");

-- CreateIndex
CREATE INDEX "LinkClick_staffId_at_idx" ON "LinkClick"("staffId", "at");

-- CreateIndex
CREATE INDEX "LinkClick_code_at_idx" ON "LinkClick"("code", "at");

-- CreateIndex
CREATE UNIQUE INDEX "Branch_code_key" ON "Branch"("code");

-- CreateIndex
CREATE UNIQUE INDEX "PrecreditBatch_fileSha256_key" ON "PrecreditBatch"("fileSha256");

-- CreateIndex
CREATE INDEX "PrecreditEntry_phoneHash_idx" ON "PrecreditEntry"("phoneHash");

-- CreateIndex
CREATE INDEX "PrecreditEntry_idNumberHash_idx" ON "PrecreditEntry"("idNumberHash");

-- CreateIndex
CREATE UNIQUE INDEX "PrecreditEntry_batchId_rowNo_key" ON "PrecreditEntry"("batchId", "rowNo");

-- CreateIndex
CREATE INDEX "Application_attributedStaffId_createdAt_idx" ON "Application"("attributedStaffId", "createdAt");

-- CreateIndex
CREATE INDEX "Application_attributedCampaignId_createdAt_idx" ON "Application"("attributedCampaignId", "createdAt");

-- CreateIndex
CREATE INDEX "Campaign_status_scheduledAt_idx" ON "Campaign"("status", "scheduledAt");

-- CreateIndex
CREATE UNIQUE INDEX "CampaignDelivery_token_key" ON "CampaignDelivery"("token");

-- CreateIndex
CREATE INDEX "CampaignDelivery_campaignId_status_idx" ON "CampaignDelivery"("campaignId", "status");

-- CreateIndex
CREATE INDEX "CampaignDelivery_status_notBefore_idx" ON "CampaignDelivery"("status", "notBefore");

-- CreateIndex
CREATE INDEX "CampaignDelivery_borrowerId_sentAt_idx" ON "CampaignDelivery"("borrowerId", "sentAt");

-- CreateIndex
CREATE INDEX "CampaignDelivery_recipientKey_sentAt_idx" ON "CampaignDelivery"("recipientKey", "sentAt");

-- CreateIndex
CREATE UNIQUE INDEX "CampaignDelivery_campaignId_recipientKey_key" ON "CampaignDelivery"("campaignId", "recipientKey");

-- CreateIndex
CREATE INDEX "CreditLine_attributedStaffId_idx" ON "CreditLine"("attributedStaffId");

-- AddForeignKey
ALTER TABLE "PrecreditEntry" ADD CONSTRAINT "PrecreditEntry_batchId_fkey" FOREIGN KEY ("batchId") REFERENCES "PrecreditBatch"("id") ON DELETE CASCADE ON UPDATE CASCADE;
