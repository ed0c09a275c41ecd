import type { Product } from '../../core/index.js';
import { createConversationSpec } from '../conversationSpec.js';
import type { Reply, ReplyOption } from '../reply.js';
import type { ConversationStart, ConversationStatus } from '../runtimeContract.js';
import { createConversationDriver, type DriverState } from './conversationDriver.js';
import { createFakeEffects, type FakeStore } from './fakeEffects.js';
import { renderReplies } from './renderTranscript.js';

/** A conversation at rest after a message: where it is and what the borrower was last shown. */
export interface WalkNode {
  /** What was said from the start to get here. */
  readonly path: readonly string[];
  readonly replies: readonly Reply[];
  readonly status: ConversationStatus;
  readonly driver: DriverState;
  readonly store: FakeStore;
}

/** The outcome of one message sent from a node: the replies (rendered) and where the conversation went. */
export interface Step {
  readonly said: string;
  readonly replies: readonly Reply[];
  readonly rendered: string;
  readonly status: ConversationStatus;
  readonly node: WalkNode;
}

/** The options on the borrower's screen after a turn: those of its last reply. */
export const optionsShown = (replies: readonly Reply[]): readonly ReplyOption[] => replies.at(-1)?.options ?? [];

/**
 * Walks a conversation on in-memory effects as a graph: from each node, any message can be sent to
 * a copy of the conversation (machine snapshot and effects alike), so every option of every list
 * can be tried from the very same place. Breadth first, over nodes told apart by `key`.
 */
export function conversationWalker(products: readonly Product[], start: Partial<ConversationStart> = {}) {
  const spec = (store?: FakeStore) => {
    const effects = createFakeEffects(products, store);
    return { effects, spec: createConversationSpec({ effects, products }) };
  };

  async function send(from: WalkNode | undefined, said: string): Promise<Step> {
    const { effects, spec: s } = spec(from?.store);
    const driver = createConversationDriver(s, start, from?.driver);
    const replies = await driver.say(said);
    const status = driver.status()!;
    const node: WalkNode = { path: [...(from?.path ?? []), said], replies, status, driver: driver.saved(), store: effects.saved() };
    return { said, replies, rendered: renderReplies(replies), status, node };
  }

  /**
   * Visits nodes breadth first from `starts` (see `follow`), at most `limit` of them: `visit`
   * checks a node (sending what it likes) and returns the nodes to go on from; a node whose key was
   * seen before is not visited again.
   */
  async function walk(starts: readonly WalkNode[], key: (node: WalkNode) => string, visit: (node: WalkNode) => Promise<WalkNode[]>, limit: number): Promise<WalkNode[]> {
    const queue: WalkNode[] = [...starts];
    const seen = new Set<string>();
    const visited: WalkNode[] = [];
    while (queue.length && visited.length < limit) {
      const node = queue.shift()!;
      const k = key(node);
      if (seen.has(k)) continue;
      seen.add(k);
      visited.push(node);
      queue.push(...(await visit(node)));
    }
    return visited;
  }

  /** The node a whole script leads to, from a new conversation. */
  async function follow(script: readonly string[]): Promise<WalkNode> {
    let node: WalkNode | undefined;
    for (const said of script) node = (await send(node, said)).node;
    return node!;
  }

  return { send, follow, walk };
}
