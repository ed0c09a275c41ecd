-- AlterTable
ALTER TABLE "Application" ADD COLUMN     "identityCheck" JSONB;

-- One open line per borrower and product, enforced by the database in the statement that opens
-- it: two acceptances at the same moment (two channels, two server processes) leave one line.
-- A database holding duplicate open lines (made before this rule) must have them resolved first.
CREATE UNIQUE INDEX "CreditLine_one_open_per_product" ON "CreditLine"("borrowerId", "productId") WHERE status IN ('active', 'frozen');
