/** server/maintenance: the embedded database's own upkeep (checkpoints, vacuum, statistics) on the job runner. */
export { DatabaseMaintenance, HOT_TABLES, MAINTENANCE_QUEUE } from './databaseMaintenance.js';
export type { MaintenanceRun } from './databaseMaintenance.js';
export { maintenancePlan } from './maintenancePlan.js';
export type { MaintenancePlan, MaintenanceState, MaintenanceThresholds } from './maintenancePlan.js';
