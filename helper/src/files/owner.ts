// Who owns what Berth creates inside a container: the container's root user as the container sees it, which
// is the host's root until containers run in user namespaces (then the engine passes the mapped ids).
export interface FileOwner {
  uid: number;
  gid: number;
}

export const HOST_ROOT: FileOwner = { uid: 0, gid: 0 };
