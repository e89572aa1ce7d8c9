// The one module both sides import: the helper's API as types, schemas and error codes, and the client.
export * from './jsonrpc';
export * from './constants';
export * from './schemas';
export * from './methodTable';
export * from './methods';
export * from './system';
export * from './streams';
export * from './events';
export * from './containers';
export * from './images';
export * from './networks';
export * from './ports';
export * from './build';
export * from './files';
export * from './client';
