-- CreateTable
CREATE TABLE "SandboxCard" (
    "borrowerId" TEXT NOT NULL,
    "balanceFen" BIGINT NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "SandboxCard_pkey" PRIMARY KEY ("borrowerId")
);

-- CreateTable
CREATE TABLE "SandboxPayment" (
    "id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "borrowerId" TEXT NOT NULL,
    "amountFen" BIGINT NOT NULL,
    "paymentRef" TEXT NOT NULL,
    "card" TEXT NOT NULL,
    "reference" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "SandboxPayment_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "SandboxPayment_paymentRef_key" ON "SandboxPayment"("paymentRef");

-- CreateIndex
CREATE UNIQUE INDEX "SandboxPayment_kind_key_key" ON "SandboxPayment"("kind", "key");
