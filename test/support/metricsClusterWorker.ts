// A node:cluster worker for serveClusterMetrics.test.ts: counts turns as a server worker would, then waits to be asked.
import { processMetrics } from '../../server/metrics/index.js';

const metrics = processMetrics();
const turns = Number(process.env.METRICS_TEST_TURNS ?? '1');
for (let i = 0; i < turns; i++) metrics.observeTurn('rest', 'message', 'ok', 0.02);
metrics.observeEffect('sendOtp', 'error', 0.01);
process.send?.({ ready: true });
// Alive until the primary disconnects it.
process.on('disconnect', () => process.exit(0));
