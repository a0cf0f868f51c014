export * from './errors.js';
export * from './keys.js';
export * from './object-store.js';
export * from './listing.js';
export { FsObjectStore } from './fs/fs-object-store.js';
