/**
 * Ids for events that come without one, and for deliveries: UUIDv7 (RFC 9562), so ids sort by
 * creation time to the millisecond and land at the end of the store's id indexes.
 *
 * The random part is drawn from a pool refilled POOL_IDS ids at a time: one
 * `crypto.randomFillSync` call per id (uuid's own source) cost more than the rest of making the id.
 * Ids made within one millisecond are in random order, not in order of creation.
 */
import { randomFillSync } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

const ID_BYTES = 16;
const POOL_IDS = 256;

export function createIdGenerator(): () => string {
  const pool = new Uint8Array(ID_BYTES * POOL_IDS);
  let offset = pool.length;
  return () => {
    if (offset === pool.length) {
      randomFillSync(pool);
      offset = 0;
    }
    const random = pool.subarray(offset, offset + ID_BYTES);
    offset += ID_BYTES;
    return uuidv7({ random });
  };
}
