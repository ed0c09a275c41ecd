-- CreateTable
CREATE TABLE "WorkOrderCounter" (
    "day" TEXT NOT NULL,
    "last" INTEGER NOT NULL,

    CONSTRAINT "WorkOrderCounter_pkey" PRIMARY KEY ("day")
);

-- CreateTable
CREATE TABLE "StaffNotice" (
    "id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "staffId" UUID NOT NULL,
    "role" "StaffRole",
    "textZh" TEXT NOT NULL,
    "textEn" TEXT NOT NULL,
    "link" TEXT,
    "workItemId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "readAt" TIMESTAMPTZ(3),

    CONSTRAINT "StaffNotice_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "StaffNotice_key_key" ON "StaffNotice"("key");

-- CreateIndex
CREATE INDEX "StaffNotice_staffId_readAt_createdAt_idx" ON "StaffNotice"("staffId", "readAt", "createdAt");
