import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { RUNNING_COMPILED, startWorker, workerUrl } from './index.js';

// From source (vitest); test/build.test.ts runs the compiled side.
describe('workerUrl from source', () => {
  it('knows it runs from TypeScript', () => {
    expect(RUNNING_COMPILED).toBe(false);
  });

  it('starts a TypeScript worker through tsx, with its workerData, whether named .ts or .js', async () => {
    for (const name of ['echoWorker.ts', 'echoWorker.js']) {
      const url = workerUrl(new URL(`../../test/support/${name}`, import.meta.url));
      expect(url.protocol).toBe('data:');
      expect(decodeURIComponent(url.href)).toContain('/test/support/echoWorker.ts"');
      const worker = startWorker(new URL(`../../test/support/${name}`, import.meta.url), { workerData: { name } });
      try {
        worker.postMessage('ping');
        const [answer] = (await once(worker, 'message')) as [unknown];
        expect(answer).toEqual({ data: { name }, message: 'ping' });
      } finally {
        await worker.terminate();
      }
    }
  });

  it('refuses what is not a module file', () => {
    expect(() => workerUrl(new URL('https://example.com/worker.ts'))).toThrow(/not a \.ts or \.js file URL/);
    expect(() => workerUrl(new URL('file:///srv/worker.json'))).toThrow(/not a \.ts or \.js file URL/);
  });
});
