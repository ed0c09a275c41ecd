export { RUNNING_COMPILED, workerUrl } from './workerUrl.js';
