// containers.*: filled in by the containers work; no methods until then.
import type { containerMethods } from '../../protocol';
import type { HandlersFor } from '../dispatcher';
import type { DaemonServices } from './index';

export function containerHandlers(_services: DaemonServices): HandlersFor<typeof containerMethods> {
  return {};
}
