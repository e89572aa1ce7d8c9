// The shape of a method table: each method's name (resource.verb) with the schemas of its params and result.
// Each resource's module (system, streams, containers, images, files) exports its own table; methods.ts joins them.
import type { z } from 'zod';

export type MethodTable = Record<string, { readonly params: z.ZodType; readonly result: z.ZodType }>;
