/** True when this process runs the compiled build (`npm run build`, dist/*.js), false from the TypeScript sources. */
export const RUNNING_COMPILED = import.meta.url.endsWith('.js');

/**
 * What to hand `new Worker(…)` to run the worker module `moduleUrl`, written as the source's URL
 * (`new URL('./scoreWorker.ts', import.meta.url)`; a `.js` ending is accepted too):
 * - compiled, the `.js` file beside the caller's, run by plain node (flags such as
 *   `--enable-source-maps` are inherited);
 * - from source, a small module that registers tsx's ESM loader in the new thread and then imports the
 *   `.ts` file, whatever started this process (npm start from source, a tsx script, vitest).
 * Options (workerData, resourceLimits, …) go to `new Worker` as usual.
 */
export function workerUrl(moduleUrl: URL): URL {
  if (moduleUrl.protocol !== 'file:' || !/\.[jt]s$/.test(moduleUrl.pathname)) throw new TypeError(`workerUrl: not a .ts or .js file URL: ${moduleUrl.href}`);
  const url = new URL(moduleUrl.href);
  url.pathname = url.pathname.replace(/\.[jt]s$/, RUNNING_COMPILED ? '.js' : '.ts');
  if (RUNNING_COMPILED) return url;
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const boot = `const { register } = await import(${JSON.stringify(tsxApi)}); register(); await import(${JSON.stringify(url.href)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(boot)}`);
}
