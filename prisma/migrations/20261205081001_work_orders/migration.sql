-- Work orders (工单): complaint and manual kinds, the full state set (done becomes resolved), priority,
-- first-response and resolution deadlines with warning and escalation, notes.
-- CreateEnum
CREATE TYPE "WorkItemPriority" AS ENUM ('low', 'normal', 'high', 'urgent');

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "WorkItemKind" ADD VALUE 'complaint';
ALTER TYPE "WorkItemKind" ADD VALUE 'manual';

-- AlterEnum
BEGIN;
CREATE TYPE "WorkItemStatus_new" AS ENUM ('open', 'assigned', 'in_progress', 'resolved', 'closed');
ALTER TABLE "public"."WorkItem" ALTER COLUMN "status" DROP DEFAULT;
ALTER TABLE "WorkItem" ALTER COLUMN "status" TYPE "WorkItemStatus_new" USING ((CASE WHEN "status"::text = 'done' THEN 'resolved' ELSE "status"::text END)::"WorkItemStatus_new");
ALTER TYPE "WorkItemStatus" RENAME TO "WorkItemStatus_old";
ALTER TYPE "WorkItemStatus_new" RENAME TO "WorkItemStatus";
DROP TYPE "public"."WorkItemStatus_old";
ALTER TABLE "WorkItem" ALTER COLUMN "status" SET DEFAULT 'open';
COMMIT;

-- AlterTable
ALTER TABLE "WorkItem" ADD COLUMN     "closedAt" TIMESTAMPTZ(3),
ADD COLUMN     "createdById" UUID,
ADD COLUMN     "escalatedAt" TIMESTAMPTZ(3),
ADD COLUMN     "firstRespondedAt" TIMESTAMPTZ(3),
ADD COLUMN     "firstResponseDueAt" TIMESTAMPTZ(3),
ADD COLUMN     "number" TEXT,
ADD COLUMN     "priority" "WorkItemPriority" NOT NULL DEFAULT 'normal',
ADD COLUMN     "title" TEXT,
ADD COLUMN     "warnedAt" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "WorkItemNote" (
    "id" UUID NOT NULL,
    "workItemId" UUID NOT NULL,
    "authorId" UUID,
    "kind" TEXT NOT NULL DEFAULT 'note',
    "text" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "WorkItemNote_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "WorkItemNote_workItemId_at_idx" ON "WorkItemNote"("workItemId", "at");

-- CreateIndex
CREATE UNIQUE INDEX "WorkItem_number_key" ON "WorkItem"("number");

-- CreateIndex
CREATE INDEX "WorkItem_assigneeId_status_idx" ON "WorkItem"("assigneeId", "status");

-- AddForeignKey
ALTER TABLE "WorkItemNote" ADD CONSTRAINT "WorkItemNote_workItemId_fkey" FOREIGN KEY ("workItemId") REFERENCES "WorkItem"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
