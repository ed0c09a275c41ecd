import type { PageDef } from '../page.js';
import { auditPage } from './auditPage.js';
import { borrowerExportPage } from './borrowerExportPage.js';
import { branchesPage } from './branchesPage.js';
import { campaignEditPage, campaignNewPage } from './campaignEditPage.js';
import { campaignPage } from './campaignPage.js';
import { campaignsPage } from './campaignsPage.js';
import { conversationPage } from './conversation.js';
import { dashboardPage } from './dashboardPage.js';
import { jobsPage } from './jobsPage.js';
import { myBorrowersPage } from './myBorrowersPage.js';
import { noticesPage } from './noticesPage.js';
import { precreditBatchPage, precreditPage } from './precreditPage.js';
import { queuePage } from './queue.js';
import { reviewPage } from './reviewPage.js';
import { reviewQueuePage } from './reviewQueuePage.js';
import { riskSignalPage } from './riskSignalPage.js';
import { riskSignalsPage } from './riskSignalsPage.js';
import { staffAccountsPage } from './staffAccountsPage.js';
import { teamPage } from './teamPage.js';
import { workOrderPage } from './workOrderPage.js';
import { workOrdersPage } from './workOrdersPage.js';

/**
 * Every page of the console, in navigation order. Add yours with one line (see ../PAGES.md); the
 * first page a person's roles allow is their start page.
 */
export const PAGES: readonly PageDef[] = [
  queuePage,
  conversationPage,
  borrowerExportPage,
  reviewQueuePage,
  reviewPage,
  riskSignalsPage,
  riskSignalPage,
  workOrdersPage,
  workOrderPage,
  teamPage,
  myBorrowersPage,
  // /campaigns/new before /campaigns/:id.
  campaignsPage,
  campaignNewPage,
  campaignEditPage,
  campaignPage,
  dashboardPage,
  precreditPage,
  precreditBatchPage,
  noticesPage,
  // Admin pages last.
  staffAccountsPage,
  branchesPage,
  auditPage,
  jobsPage,
];
