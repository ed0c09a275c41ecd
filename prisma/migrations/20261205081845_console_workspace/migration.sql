-- CreateTable
CREATE TABLE "ConsoleConversation" (
    "conversationId" UUID NOT NULL,
    "step" TEXT NOT NULL,
    "handoffRequestedAt" TIMESTAMPTZ(3),
    "lastMessageAt" TIMESTAMPTZ(3) NOT NULL,
    "version" INTEGER NOT NULL,

    CONSTRAINT "ConsoleConversation_pkey" PRIMARY KEY ("conversationId")
);

-- CreateTable
CREATE TABLE "ConversationNote" (
    "id" UUID NOT NULL,
    "conversationId" UUID NOT NULL,
    "authorId" UUID NOT NULL,
    "text" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ConversationNote_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CannedReply" (
    "id" UUID NOT NULL,
    "shortcut" TEXT NOT NULL,
    "locale" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "createdById" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CannedReply_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConsolePresence" (
    "conversationId" UUID NOT NULL,
    "staffId" UUID NOT NULL,
    "until" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ConsolePresence_pkey" PRIMARY KEY ("conversationId","staffId")
);

-- CreateIndex
CREATE INDEX "ConsoleConversation_lastMessageAt_idx" ON "ConsoleConversation"("lastMessageAt");

-- CreateIndex
CREATE INDEX "ConsoleConversation_step_idx" ON "ConsoleConversation"("step");

-- CreateIndex
CREATE INDEX "ConversationNote_conversationId_createdAt_idx" ON "ConversationNote"("conversationId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "CannedReply_shortcut_locale_key" ON "CannedReply"("shortcut", "locale");

-- CreateIndex
CREATE INDEX "Conversation_assignedStaffId_handoffStatus_idx" ON "Conversation"("assignedStaffId", "handoffStatus");

-- AddForeignKey
ALTER TABLE "ConsoleConversation" ADD CONSTRAINT "ConsoleConversation_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "Conversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Seed: a few canned replies in both languages (supervisors and admins add more through the staff API).
INSERT INTO "CannedReply" (id, shortcut, locale, title, text) VALUES
  ('6d1f2a30-0001-4000-8000-00000000c001', 'hello', 'zh', '问候', '{name}您好，我是人工客服，很高兴为您服务。请问有什么可以帮您？'),
  ('6d1f2a30-0001-4000-8000-00000000c002', 'hello', 'en', 'Greeting', 'Hello {name}, I am a member of our service team. How can I help you today?'),
  ('6d1f2a30-0001-4000-8000-00000000c003', 'due', 'zh', '还款提醒', '{name}您好，您的下一期还款日为 {nextDueDate}，应还金额 ¥{amountDue}。请确保还款账户余额充足。'),
  ('6d1f2a30-0001-4000-8000-00000000c004', 'due', 'en', 'Repayment reminder', 'Hello {name}, your next instalment of ¥{amountDue} is due on {nextDueDate}. Please make sure your repayment account has enough funds.'),
  ('6d1f2a30-0001-4000-8000-00000000c005', 'wait', 'zh', '请稍候', '好的，我正在为您查询，请稍候。'),
  ('6d1f2a30-0001-4000-8000-00000000c006', 'wait', 'en', 'One moment', 'Thank you. Let me check that for you; one moment please.'),
  ('6d1f2a30-0001-4000-8000-00000000c007', 'bye', 'zh', '结束', '感谢您的耐心，稍后将由快贷助手继续为您服务。祝您生活愉快！'),
  ('6d1f2a30-0001-4000-8000-00000000c008', 'bye', 'en', 'Closing', 'Thank you for your patience. The assistant will continue with you now. Have a good day!');
