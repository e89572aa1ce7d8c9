// The UTS namespace's names: sethostname(2), setdomainname(2).
import { check, libc } from './libc';

const sethostnameRaw = libc.func('int sethostname(const char *name, size_t len)') as (name: string, len: number) => number;
const setdomainnameRaw = libc.func('int setdomainname(const char *name, size_t len)') as (name: string, len: number) => number;

export function sethostname(name: string): void {
  check('sethostname', JSON.stringify(name), sethostnameRaw(name, Buffer.byteLength(name)));
}

export function setdomainname(name: string): void {
  check('setdomainname', JSON.stringify(name), setdomainnameRaw(name, Buffer.byteLength(name)));
}
