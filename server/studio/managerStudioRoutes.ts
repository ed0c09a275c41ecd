import type { FastifyInstance } from 'fastify';
import { loadCatalog } from '../catalog/index.js';
import { branchRoutes } from './branchRoutes.js';
import { codeRoutes } from './codeRoutes.js';
import type { StudioDeps } from './installStudio.js';
import { managerBookRoutes } from './managerBookRoutes.js';

/** Managers and their codes: branches and manager assignment, codes with links and QR codes, `/s/<ref>`, and a manager's book. */
export async function managerStudioRoutes(app: FastifyInstance, deps: StudioDeps): Promise<void> {
  const { config } = deps.app;
  const { products } = await loadCatalog(config);
  branchRoutes(app, { auth: deps.auth });
  codeRoutes(app, {
    auth: deps.auth,
    products,
    publicBaseUrl: config.publicBaseUrl,
    secureCookies: (request) => config.env === 'production' || request.protocol === 'https',
  });
  managerBookRoutes(app, { auth: deps.auth });
}
