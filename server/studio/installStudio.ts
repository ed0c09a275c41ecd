import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app.js';
import type { StaffAuth } from '../http/staffAuth.js';
import { campaignRoutes } from './campaignRoutes.js';
import { dashboardRoutes } from './dashboardRoutes.js';
import { funnelRoutes } from './funnelRoutes.js';
import { managerStudioRoutes } from './managerStudioRoutes.js';
import { precreditRoutes } from './precreditRoutes.js';
import { trackedLinkRoutes } from './trackedLinkRoutes.js';

/** What the studio's routes need: the app's dependencies and the staff identity's role checks. */
export interface StudioDeps {
  readonly app: AppDeps;
  readonly auth: StaffAuth;
}

/**
 * The managers' studio's HTTP surface (contracts.ts lists it): branches, managers and their codes,
 * campaigns, tracked links, funnels and dashboards, batch pre-credit. Each part registers its own
 * routes here, one line each.
 */
export async function installStudio(app: FastifyInstance, deps: StudioDeps): Promise<void> {
  void app;
  void deps;
  campaignRoutes(app, deps);
  funnelRoutes(app, deps);
  dashboardRoutes(app, deps);
  await managerStudioRoutes(app, deps);
  trackedLinkRoutes(app, deps);
  precreditRoutes(app, deps);
}
