// The status bar's words for the active target and its state. Pure: unit-tested.
export function targetStatusText(label: string, state: string): { text: string; tooltip: string } {
  switch (state) {
    case 'connected':
      return { text: `$(vm-active) ${label}`, tooltip: `Berth: containers run on ${label} (connected). Click to switch.` };
    case 'connecting':
      return { text: `$(loading~spin) ${label}`, tooltip: `Berth: connecting to ${label}…` };
    case 'unreachable':
      return { text: `$(vm-outline) ${label}: unreachable`, tooltip: `Berth: ${label} does not answer. Click to switch targets.` };
    default:
      return { text: `$(vm-outline) ${label}: ${state}`, tooltip: `Berth: ${label} is ${state}. Click to switch targets.` };
  }
}
