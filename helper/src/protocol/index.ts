// The one module both sides import: the helper's API as types, schemas and error codes.
export * from './jsonrpc';
export * from './methods';
export * from './system';
