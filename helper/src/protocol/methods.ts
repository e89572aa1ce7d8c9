// The API's method table: each method's name (resource.verb) with the schema of its parameters and result.
// The helper validates params against it; the extension derives its call types from it and checks results,
// so a helper and an extension of different versions fail loudly instead of misreading each other.
import type { z } from 'zod';
import { SystemVersionParams, SystemVersionResult } from './system';

export const PROTOCOL_VERSION = 1;

export type MethodTable = Record<string, { readonly params: z.ZodType; readonly result: z.ZodType }>;

export const methods = {
  'system.version': { params: SystemVersionParams, result: SystemVersionResult },
} as const satisfies MethodTable;

export type MethodName = keyof typeof methods;
export type MethodParams<M extends MethodName> = z.input<(typeof methods)[M]['params']>;
export type MethodResult<M extends MethodName> = z.output<(typeof methods)[M]['result']>;

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name);
}
