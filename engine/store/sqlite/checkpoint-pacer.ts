/**
 * When retention checkpoints the SQLite WAL. Its chunks commit with auto-checkpoint off (see
 * SqliteAccess.writeAlone), so that no chunk's COMMIT copies the WAL into the database file and
 * fsyncs it; the pacer runs that checkpoint between chunks instead, once the WAL holds about
 * CHECKPOINT_WAL_FRAMES.
 *
 * Why not after every chunk: a checkpoint's cost by the clock is mostly its fsync of the
 * database file, and on a disk shared with other work an fsync now and then waits 50 to 800 ms
 * whatever it writes; a checkpoint after each of some 2,000 chunks met many more of those than one
 * per few chunks. Why not 1,000 pages as SQLite's own: the copy and the fsync grow with the pages.
 *
 * The WAL's frames are only known at a checkpoint (PRAGMA wal_checkpoint answers with them), so
 * the pacer learns the frames each deleted row cost at one checkpoint (other writes' frames
 * included, which only makes it checkpoint sooner) and checkpoints when the chunk to come would
 * take the WAL past the mark.
 */

/** WAL frames (4 KiB pages) past which retention checkpoints between chunks: about 2 MB. */
export const CHECKPOINT_WAL_FRAMES = 500;
/** Most chunks between two checkpoints, whatever the estimate says. */
export const MAX_CHUNKS_PER_CHECKPOINT = 8;

export interface CheckpointPacer {
  /**
   * After a chunk that could delete up to `rows` rows (Infinity for one whose pages are not
   * counted in rows, such as giving free pages back), with `nextRows` for the chunk to come:
   * checkpoints when that chunk could take the WAL past CHECKPOINT_WAL_FRAMES.
   */
  afterChunk(rows: number, nextRows: number): Promise<void>;
  /** Checkpoints what the chunks since the last checkpoint wrote, if any (at the end of a run). */
  finish(): Promise<void>;
}

/** `checkpoint` runs one checkpoint and answers with the frames the WAL held. */
export function createCheckpointPacer(checkpoint: () => Promise<{ walFrames: number }>): CheckpointPacer {
  let rowsSince = 0;
  let chunksSince = 0;
  /** Unknown until the first checkpoint: then the first chunk is followed by one. */
  let framesPerRow = Number.POSITIVE_INFINITY;

  async function run(): Promise<void> {
    const { walFrames } = await checkpoint();
    if (Number.isFinite(rowsSince) && rowsSince > 0) framesPerRow = Math.max(1, walFrames) / rowsSince;
    rowsSince = 0;
    chunksSince = 0;
  }

  return {
    async afterChunk(rows, nextRows) {
      rowsSince += rows;
      chunksSince += 1;
      if (chunksSince >= MAX_CHUNKS_PER_CHECKPOINT || (rowsSince + nextRows) * framesPerRow >= CHECKPOINT_WAL_FRAMES) await run();
    },
    async finish() {
      if (chunksSince > 0) await run();
    },
  };
}
