// The words and buttons of the notification that says why connecting to an SSH target failed (shown by
// connectionNotices.ts). Pure, so that the tests read them without VS Code.
import type { TargetState } from './target';

/** The words and buttons for one failure; pure, so that the tests can read them. */
export function failureNotice(label: string, state: Extract<TargetState, { kind: 'unreachable' }>): { message: string; actions: string[] } {
  const actions: string[] = [];
  if (state.installCommand) actions.push('Copy Install Command');
  actions.push(state.failure === 'cancelled' ? 'Enter Password' : 'Retry');
  actions.push('Show Log');
  const lead =
    state.failure === 'preflight'
      ? `Berth cannot run its helper on ${label}`
      : state.failure === 'cancelled'
        ? `Berth did not connect to ${label}`
        : `Berth cannot connect to ${label}`;
  return { message: `${lead}: ${state.reason}`, actions };
}
