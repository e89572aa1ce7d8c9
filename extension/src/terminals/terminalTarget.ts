// The little the terminals need of a target (the local one, or a remote one over SSH): a name, whether
// it is connected and its client, and a way to connect again. Both target kinds have this shape.
import type { RpcClient } from '../client/rpcClient';

export type TerminalClient = Pick<RpcClient, 'call' | 'openStream'>;

export interface TerminalTarget {
  readonly id: string;
  readonly label: string;
  readonly state: { readonly kind: string; readonly client?: TerminalClient };
  connect?(): Promise<void>;
}

/** The target's client, or an error that says why there is none. */
export function clientOf(target: TerminalTarget): TerminalClient {
  const state = target.state;
  if (state.kind === 'connected' && state.client) return state.client;
  throw new Error(`${target.label} is not connected (${state.kind})`);
}
