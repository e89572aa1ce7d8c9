// containers.*: being written (the engine); until then every method answers that it is not served yet.
import { containerMethods, ErrorCode, RpcError } from '../../protocol';
import type { HandlersFor } from '../dispatcher';
import type { DaemonServices } from './index';

export function containerHandlers(_services: DaemonServices): HandlersFor<typeof containerMethods> {
  const notYet = () => {
    throw new RpcError(ErrorCode.MethodNotFound, 'this helper does not serve containers yet');
  };
  return Object.fromEntries(Object.keys(containerMethods).map((name) => [name, notYet])) as unknown as HandlersFor<typeof containerMethods>;
}
