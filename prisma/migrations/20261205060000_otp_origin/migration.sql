-- AlterTable
ALTER TABLE "OtpChallenge" ADD COLUMN "origin" TEXT;

-- CreateIndex
CREATE INDEX "OtpChallenge_origin_sentAt_idx" ON "OtpChallenge"("origin", "sentAt");
