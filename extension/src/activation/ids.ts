// The names the activation registers before the rest of the extension is loaded, and which that rest uses
// too: constants only, so both parts of the bundle may import them (eslint.config.mjs keeps it to that).
export const VIEW_IDS = { targets: 'berth.targets', containers: 'berth.containers', images: 'berth.images', networks: 'berth.networks' } as const;
/** The container file system's URI scheme (berth://TARGET/CONTAINER/path). */
export const BERTH_SCHEME = 'berth';
/** Read-only documents: a container's inspect JSON and its live stats. */
export const INSPECT_SCHEME = 'berth-inspect';
export const STATS_SCHEME = 'berth-stats';
/** The "Berth: Container Shell…" terminal profile (package.json contributes.terminal.profiles). */
export const TERMINAL_PROFILE_ID = 'berth.containerShell';
