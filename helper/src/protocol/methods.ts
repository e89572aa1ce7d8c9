// The API's method table: every resource's methods joined. The helper validates params against it; the
// extension derives its call types from it and checks results, so a helper and an extension of different
// versions fail loudly instead of misreading each other.
import type { z } from 'zod';
import { buildMethods } from './build';
import { containerMethods } from './containers';
import { eventMethods } from './events';
import { fileMethods } from './files';
import { imageMethods } from './images';
import type { MethodTable } from './methodTable';
import { networkMethods } from './networks';
import { streamMethods } from './streams';
import { SystemVersionParams, SystemVersionResult } from './system';

export type { MethodTable } from './methodTable';

export const methods = {
  'system.version': { params: SystemVersionParams, result: SystemVersionResult },
  ...streamMethods,
  ...eventMethods,
  ...containerMethods,
  ...imageMethods,
  ...buildMethods,
  ...networkMethods,
  ...fileMethods,
} as const satisfies MethodTable;

export type MethodName = keyof typeof methods;
export type MethodParams<M extends MethodName> = z.input<(typeof methods)[M]['params']>;
export type MethodResult<M extends MethodName> = z.output<(typeof methods)[M]['result']>;

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name);
}
