// The container commands (run, create, start, stop, ps, logs, exec, …): filled in by the engine work.
import type { ClientCommand } from '../command';

export const containerCommands: Record<string, ClientCommand> = {};
