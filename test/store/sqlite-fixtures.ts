/** What the SQLite store's own tests share: temporary data directories and query plans. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../../engine/store/sqlite/migrations.js';

/** A function giving fresh temporary directories, all removed after the file's tests. */
export function useTempDirs(prefix: string): () => Promise<string> {
  const dirs: string[] = [];
  after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));
  return async () => {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
}

/** SQLite's plan for `sql` over a fresh database with every migration applied, one step a line. */
export function queryPlan(sql: string, ...params: unknown[]): string {
  const db = new Database(':memory:');
  try {
    for (const m of MIGRATIONS) db.exec(m.sql);
    return db
      .prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .all(...params)
      .map((row) => (row as { detail: string }).detail)
      .join('\n');
  } finally {
    db.close();
  }
}
