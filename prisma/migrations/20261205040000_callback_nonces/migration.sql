-- CreateTable
CREATE TABLE "CallbackNonce" (
    "id" TEXT NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "CallbackNonce_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "CallbackNonce_expiresAt_idx" ON "CallbackNonce"("expiresAt");
