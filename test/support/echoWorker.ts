import { parentPort, workerData } from 'node:worker_threads';

/** A worker for workerUrl's test: TypeScript syntax (so it needs tsx from source); answers each message with workerData and the message. */
interface Echo {
  readonly data: unknown;
  readonly message: unknown;
}
parentPort?.on('message', (message: unknown) => {
  const echo: Echo = { data: workerData as unknown, message };
  parentPort?.postMessage(echo);
});
