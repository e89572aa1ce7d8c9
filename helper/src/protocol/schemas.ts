// The protocol's zod schemas for code that should not build them before it needs them. Building every
// schema takes tens of milliseconds (zod gives each schema object its own bound methods); imported
// statically, the extension would pay that at activation, before its first call. schemas() builds them on
// first use: esbuild keeps a require inside a function lazy, as it does for ssh2.
type Schemas = typeof import('./methods') & typeof import('./streams') & typeof import('./containers') & typeof import('./images') & typeof import('./networks') & typeof import('./build');

let loaded: Schemas | undefined;

export function schemas(): Schemas {
  /* eslint-disable @typescript-eslint/no-require-imports */
  loaded ??= {
    ...(require('./methods') as typeof import('./methods')),
    ...(require('./streams') as typeof import('./streams')),
    ...(require('./containers') as typeof import('./containers')),
    ...(require('./images') as typeof import('./images')),
    ...(require('./networks') as typeof import('./networks')),
    ...(require('./build') as typeof import('./build')),
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  return loaded;
}
