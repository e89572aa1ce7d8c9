// The core bundle's text, provided at build time by esbuild.mjs (the plugin embedCore).
declare module 'berth-core-source' {
  const source: string;
  export default source;
}
