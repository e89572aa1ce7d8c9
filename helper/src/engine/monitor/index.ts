// Per-container monitors: a detached Perl process per container owns its process, logs and exit status,
// so that containers outlive the daemon (see monitorScript.ts).
export { startMonitor, MonitorError, type StartMonitorOptions, type StartedMonitor } from './startMonitor';
export { readMonitorState, readExit, waitForExit, type MonitorState, type MonitorExit } from './monitorState';
