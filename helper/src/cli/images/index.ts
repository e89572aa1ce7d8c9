// The image commands (pull, push, images, rmi, tag, load, save, import, history, image …): filled in by
// the images work.
import type { ClientCommand } from '../command';

export const imageCommands: Record<string, ClientCommand> = {};
