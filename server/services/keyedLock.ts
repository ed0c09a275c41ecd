/**
 * Runs tasks one at a time per key, in arrival order, within this process. The services take it
 * per credit line around read → compute → guarded write, so operations on one line in one server
 * do not race each other into version conflicts (on PGlite, where the statements of different
 * effects interleave, that would otherwise be the common case). It is not what keeps a line
 * correct: the version check in the write does that, across servers too. A task never waits for
 * anything but the database while holding a key (no provider calls).
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `task` once every earlier task of `key` has settled; `waited` says whether any was pending. */
  run<T>(key: string, task: (waited: boolean) => Promise<T>): Promise<T> {
    const before = this.tails.get(key);
    const result = before ? before.then(() => task(true)) : task(false);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
