// images.*: filled in by the images work; an empty table until then.
import type { MethodTable } from './methodTable';

export const imageMethods = {} as const satisfies MethodTable;
