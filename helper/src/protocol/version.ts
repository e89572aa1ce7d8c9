// How a helper and a client of different protocol revisions find out, and say so instead of misreading
// each other. The client offers two WebSocket subprotocols, the neutral one first: a helper of its own
// revision picks the versioned one; any other answer means another revision (a helper from before
// versioning echoes the first offered, as ws does by default). A helper seeing no offer of its own
// revision still answers system.version (so an extension can learn which helper it reached and replace
// it), and refuses every other call with ProtocolMismatch, naming both revisions.
import { PROTOCOL_VERSION } from './constants';

/** Offered by every client, first: chosen by a helper that does not speak the client's revision. */
export const NEUTRAL_SUBPROTOCOL = 'berth.rpc';
/** This revision's subprotocol. */
export const SUBPROTOCOL = `${NEUTRAL_SUBPROTOCOL}.v${PROTOCOL_VERSION}`;
/** What a client offers, in order. */
export const OFFERED_SUBPROTOCOLS = [NEUTRAL_SUBPROTOCOL, SUBPROTOCOL];

/** The revision a client offered (from its subprotocols), or 1 for a client from before versioning. */
export function offeredRevision(protocols: Iterable<string>): number {
  let best = 1;
  for (const protocol of protocols) {
    const match = /^berth\.rpc\.v(\d+)$/.exec(protocol);
    if (match) best = Math.max(best, Number(match[1]));
  }
  return best;
}

/** Why a helper and a client cannot talk, for both sides' messages. */
export function mismatchMessage(helper: { helperVersion: string; protocolVersion: number }, clientRevision: number, clientName: string): string {
  const advice =
    helper.protocolVersion > clientRevision
      ? `update ${clientName} to the helper's version`
      : `update the helper (the extension deploys its own to SSH targets; for a local helper run scripts/start.sh of this version)`;
  return `protocol mismatch: the helper is berth ${helper.helperVersion} speaking protocol ${helper.protocolVersion}, and ${clientName} speaks protocol ${clientRevision}: ${advice}`;
}
