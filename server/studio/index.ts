/** server/studio: the managers' studio — attribution codes and QR codes, campaigns and their sending, funnels and dashboards, batch pre-credit. */
export * from './contracts.js';
