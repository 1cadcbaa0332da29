export { createGcsStore, type GcsStoreOptions } from './gcs-store.js';
