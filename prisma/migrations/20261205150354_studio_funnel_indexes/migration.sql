-- CreateIndex
CREATE INDEX "Application_attributedBranch_createdAt_idx" ON "Application"("attributedBranch", "createdAt");

-- CreateIndex
CREATE INDEX "Campaign_createdById_idx" ON "Campaign"("createdById");

-- CreateIndex
CREATE INDEX "Campaign_branch_idx" ON "Campaign"("branch");

-- CreateIndex
CREATE INDEX "CreditLine_attributedCampaignId_idx" ON "CreditLine"("attributedCampaignId");

-- CreateIndex
CREATE INDEX "LinkClick_branch_at_idx" ON "LinkClick"("branch", "at");
