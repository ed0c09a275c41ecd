import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times. */
export const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface Stat {
  readonly ppid: number;
  /** utime + stime: the process's own CPU, all its threads. */
  readonly own: number;
  /** cutime + cstime: the CPU of its children it has reaped. */
  readonly reaped: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = raw.slice(raw.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
    return { ppid: Number(f[1]), own: Number(f[11]) + Number(f[12]), reaped: Number(f[13]) + Number(f[14]) };
  } catch {
    return undefined;
  }
}

function readRssKb(pid: number): number {
  try {
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** A process and all its descendants, found by scanning /proc (this kernel has no /proc/<pid>/task/<tid>/children). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s) children.set(s.ppid, [...(children.get(s.ppid) ?? []), Number(name)]);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/**
 * CPU ticks of some processes by pid. With `children`, the CPU of children they have reaped counts
 * too: a process tree's total then stays whole when a child exits (its CPU moves into its parent's).
 * Without, for processes whose parent is not measured (PostgreSQL's backends).
 */
export function ticksOf(pids: readonly number[], options: { readonly children: boolean }): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    const s = readStat(pid);
    if (s) out.set(pid, s.own + (options.children ? s.reaped : 0));
  }
  return out;
}

/** A process's name (/proc/<pid>/comm), or '?' when it is gone. */
export function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

/** What the processes are, e.g. "node ×3, esbuild" (their names, counted). */
export function describeProcesses(pids: readonly number[]): string {
  const counts = new Map<string, number>();
  for (const pid of pids) counts.set(commOf(pid), (counts.get(commOf(pid)) ?? 0) + 1);
  return [...counts].map(([name, n]) => (n > 1 ? `${name} ×${n}` : name)).join(', ');
}

/** Sum of VmRSS over the processes, in KiB (shared pages are counted once per process). */
export const rssKbOf = (pids: readonly number[]): number => pids.reduce((sum, pid) => sum + readRssKb(pid), 0);

/** Seconds of CPU between two readings; a pid first seen in `after` counts from zero, one gone keeps its last reading if merged in. */
export function cpuSecondsBetween(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let ticks = 0;
  for (const [pid, t] of after) ticks += t - (before.get(pid) ?? 0);
  return ticks / CLK_TCK;
}

/** Socket inodes of a process's open file descriptors. */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // the descriptor closed while we looked
    }
  }
  return inodes;
}

/** A listening TCP socket: its port and how many connections wait in its accept queue. */
export interface Listener {
  readonly port: number;
  readonly inode: string;
  readonly acceptQueue: number;
}

/** The TCP sockets some processes listen on (Linux /proc/net/tcp{,6}, state 0A; rx_queue is the accept queue). */
export function listenersOf(pids: readonly number[]): Listener[] {
  const inodes = new Set<string>();
  for (const pid of pids) for (const i of socketInodes(pid)) inodes.add(i);
  return listenersByInode(inodes);
}

export function listenersByInode(inodes: ReadonlySet<string>): Listener[] {
  const out: Listener[] = [];
  for (const table of ['tcp', 'tcp6']) {
    let lines: string[] = [];
    try {
      lines = readFileSync(`/proc/net/${table}`, 'utf8').split('\n').slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const f = line.trim().split(/\s+/);
      if (f[3] !== '0A' || !inodes.has(f[9]!)) continue;
      out.push({ port: parseInt(f[1]!.split(':')[1]!, 16), inode: f[9]!, acceptQueue: parseInt(f[4]!.split(':')[1]!, 16) });
    }
  }
  return out;
}
