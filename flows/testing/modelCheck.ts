import { getAdjacencyMap } from '@xstate/graph';
import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';

/** An event as a model test writes it: done/error events of invoked actors included. */
export type TestEvent = { readonly type: string; readonly [key: string]: unknown };

export interface ModelReport {
  /** Every state node a snapshot can rest in. */
  readonly stateNodes: string[];
  /** State node ids never active in any explored snapshot. */
  readonly unreachable: string[];
  /** Explored snapshots from which no final state can be reached (a borrower would be stuck). */
  readonly deadEnds: string[];
  readonly vertices: number;
  readonly edges: number;
  /** Every explored snapshot, for invariants a test wants to check on all of them. */
  readonly snapshots: AnyMachineSnapshot[];
}

interface NodeShape {
  id: string;
  states: Record<string, NodeShape>;
  always?: unknown[];
  on: Record<string, unknown>;
  invoke: unknown[];
}

/**
 * State nodes a snapshot can rest in. Routing nodes (only eventless `always` transitions) are
 * passed through within a step and never appear in a snapshot, so they are left out.
 */
const restingStateNodes = (machine: AnyStateMachine): string[] => {
  const ids: string[] = [];
  const walk = (node: NodeShape) => {
    const routing = (node.always?.length ?? 0) > 0 && Object.keys(node.on).length === 0 && node.invoke.length === 0;
    if (!routing) ids.push(node.id);
    for (const child of Object.values(node.states)) walk(child);
  };
  walk(machine.root as unknown as NodeShape);
  return ids;
};

/**
 * Explores a machine's graph with the given event generator (xstate/graph) and reports states
 * that are never reached and snapshots from which no final state is reachable.
 */
export function checkModel(
  machine: AnyStateMachine,
  options: { input: unknown; events: (s: AnyMachineSnapshot) => TestEvent[]; serialize: (s: AnyMachineSnapshot) => string; limit?: number },
): ModelReport {
  const map = getAdjacencyMap(machine, {
    input: options.input,
    events: options.events as never,
    serializeState: options.serialize as never,
    limit: options.limit ?? 50_000,
  }) as unknown as Record<string, { state: AnyMachineSnapshot; transitions: Record<string, { state: AnyMachineSnapshot }> }>;
  const reached = new Set<string>();
  const successors = new Map<string, Set<string>>();
  const finals = new Set<string>();
  let edges = 0;
  for (const [key, vertex] of Object.entries(map)) {
    for (const node of vertex.state._nodes as { id: string }[]) reached.add(node.id);
    if (vertex.state.status === 'done') finals.add(key);
    const next = new Set<string>();
    for (const t of Object.values(vertex.transitions)) {
      next.add(options.serialize(t.state));
      edges++;
    }
    successors.set(key, next);
  }
  // Backwards reachability from the final snapshots.
  const canFinish = new Set(finals);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [key, next] of successors) {
      if (!canFinish.has(key) && [...next].some((n) => canFinish.has(n))) {
        canFinish.add(key);
        grew = true;
      }
    }
  }
  const stateNodes = restingStateNodes(machine);
  return {
    stateNodes,
    unreachable: stateNodes.filter((id) => !reached.has(id)),
    deadEnds: [...successors.keys()].filter((k) => !canFinish.has(k)),
    vertices: successors.size,
    edges,
    snapshots: Object.values(map).map((v) => v.state),
  };
}
