import { fromPromise } from 'xstate';

/** An effect the host must provide; running it unprovided is a wiring bug. */
export const notProvided = <I, O>(name: string) =>
  fromPromise<O, I>(async () => {
    throw new Error(`flows: effect "${name}" was not provided by the host`);
  });
