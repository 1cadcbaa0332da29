// Subpath entry `@mlops/features/redis`: the Redis online store (optional peer `redis`).
export { createRedisOnlineStore, encodeOnlineValue, decodeOnlineValue } from './redis-online-store.js';
export type { RedisOnlineStoreOptions, RedisClientLike } from './redis-online-store.js';
