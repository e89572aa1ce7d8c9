// images.*: filled in by the images work; no methods until then.
import type { imageMethods } from '../../protocol';
import type { HandlersFor } from '../dispatcher';
import type { DaemonServices } from './index';

export function imageHandlers(_services: DaemonServices): HandlersFor<typeof imageMethods> {
  return {};
}
