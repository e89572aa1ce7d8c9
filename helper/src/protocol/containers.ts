// containers.*: filled in by the engine work; an empty table until then.
import type { MethodTable } from './methodTable';

export const containerMethods = {} as const satisfies MethodTable;
