/**
 * Why this exists: Node 20's libuv (1.46) accepts one new connection per event-loop iteration
 * (libuv PR #3696, "don't accept() connections in a loop"). Under load a turn's continuations (the
 * answers of the embedded database, a new turn's machine run) ran back to back in one iteration for
 * 100–350 ms, so a burst of new connections waited in the kernel's accept queue for seconds, one
 * accepted per iteration. A slicer runs such work one piece per `setImmediate` callback, in order,
 * and stops when this iteration has run `sliceMs` of it: the loop then polls (accepts a connection,
 * reads sockets) and the rest runs in the next iteration's check phase.
 *
 * Node drains the microtask queue between `setImmediate` callbacks, so each piece's synchronous
 * continuation (up to its next wait on I/O) finishes before the slice's clock is read again.
 */
export interface LoopSlicerOptions {
  /** How much queued work one event-loop iteration runs before it yields to the poll phase. */
  readonly sliceMs: number;
  readonly now?: () => number;
  /** Runs a callback in the check phase of the loop (setImmediate, taken when the slicer is made). */
  readonly defer?: (fn: () => void) => void;
}

export class LoopSlicer {
  private readonly queue: ((() => void) | undefined)[] = [];
  private head = 0;
  /** When this iteration's slice began; -1 until the first piece of an iteration runs. */
  private sliceStart = -1;
  private readonly now: () => number;
  private readonly defer: (fn: () => void) => void;

  constructor(private readonly options: LoopSlicerOptions) {
    this.now = options.now ?? (() => performance.now());
    const immediate = setImmediate;
    this.defer = options.defer ?? ((fn) => void immediate(fn));
  }

  /** Work waiting for its slice. */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  /** Runs `piece` in a slice, after the pieces queued before it. */
  run(piece: () => void): void {
    this.queue.push(piece);
    this.defer(this.pump);
  }

  /** Resolves in a slice, after the pieces queued before it: `await slicer.turn()` before CPU-bound work. */
  turn(): Promise<void> {
    return new Promise<void>((resolve) => this.run(resolve));
  }

  // One callback per queued piece; any callback runs the oldest piece, so the order is the queue's.
  private readonly pump = (): void => {
    const t = this.now();
    if (this.sliceStart < 0) {
      this.sliceStart = t;
      // Queued now, it runs first in the next iteration's check phase and opens a new slice there.
      this.defer(this.endSlice);
    } else if (t - this.sliceStart >= this.options.sliceMs) {
      this.defer(this.pump);
      return;
    }
    const piece = this.queue[this.head]!;
    this.queue[this.head++] = undefined;
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    }
    piece();
  };

  private readonly endSlice = (): void => {
    this.sliceStart = -1;
  };
}

/**
 * The server thread's slicer: 1 ms slices. Measured at 200 users (docs/benchmarks.md, ninth round),
 * 1 ms halved the median slowest first reply (seven runs) with no loss of turns a second; the one
 * run tried with 2 ms gained little.
 */
export const serverLoop = new LoopSlicer({ sliceMs: 1 });
