// networks.*: the network layer's resource, with its errors mapped as the engine's are.
import { ErrorCode, RpcError, type networkMethods } from '../../protocol';
import type { NetworkManager } from '../../network/networkManager';
import type { HandlersFor } from '../dispatcher';
import { withRpcErrorsAsync as mapped } from '../engineErrors';
import type { DaemonServices } from '../services';

export function networkHandlers(services: DaemonServices): HandlersFor<typeof networkMethods> {
  const network = (): NetworkManager => {
    if (!services.network) throw new RpcError(ErrorCode.InternalError, 'the network layer is not running');
    return services.network;
  };
  return {
    'networks.create': (params) => mapped(() => network().create(params)),
    'networks.list': ({ filters }) => mapped(() => network().list(filters)),
    'networks.inspect': ({ network: ref }) => mapped(() => network().inspect(ref)),
    'networks.remove': ({ network: ref }) => mapped(async () => (await network().remove(ref), {})),
    'networks.connect': ({ network: ref, container, aliases, ipAddress }) => mapped(async () => (await network().connect(ref, container, aliases, ipAddress), {})),
    'networks.disconnect': ({ network: ref, container }) => mapped(async () => (await network().disconnect(ref, container), {})),
    'networks.prune': () => mapped(async () => ({ removed: await network().prune() })),
  };
}
