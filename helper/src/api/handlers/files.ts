// files.*: filled in by the files work; no methods until then.
import type { fileMethods } from '../../protocol';
import type { HandlersFor } from '../dispatcher';
import type { DaemonServices } from './index';

export function fileHandlers(_services: DaemonServices): HandlersFor<typeof fileMethods> {
  return {};
}
