// Every API method's handler, in one table the dispatcher checks against the protocol at compile time.
import type { methods } from '../../protocol';
import type { HandlersFor } from '../dispatcher';
import { systemVersion } from './system';

export function createHandlers(): HandlersFor<typeof methods> {
  return {
    'system.version': () => systemVersion(),
  };
}
