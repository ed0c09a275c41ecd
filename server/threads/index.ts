export { startWorker } from './startWorker.js';
export { RUNNING_COMPILED, workerUrl } from './workerUrl.js';
