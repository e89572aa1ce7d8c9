// files.*: filled in by the files work; an empty table until then.
import type { MethodTable } from './methodTable';

export const fileMethods = {} as const satisfies MethodTable;
