-- CreateTable
CREATE TABLE "ReviewAct" (
    "id" UUID NOT NULL,
    "applicationId" UUID NOT NULL,
    "workItemId" UUID,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "staffId" UUID NOT NULL,
    "limitFen" BIGINT,
    "ratePpm" INTEGER,
    "reasonCode" TEXT,
    "text" TEXT NOT NULL,
    "confirmsId" UUID,
    "decisionId" UUID,
    "origin" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ReviewAct_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ReviewAct_applicationId_at_idx" ON "ReviewAct"("applicationId", "at");

-- CreateIndex
CREATE INDEX "ReviewAct_status_kind_idx" ON "ReviewAct"("status", "kind");

-- At most one approval waiting for a second reviewer per application: two first approvals at the
-- same moment leave one (the statement that records the other fails and is answered as a conflict).
CREATE UNIQUE INDEX "ReviewAct_one_pending_approval" ON "ReviewAct"("applicationId") WHERE kind = 'approve' AND status = 'pending';
