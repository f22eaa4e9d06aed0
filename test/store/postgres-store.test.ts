/** The store contract on PostgreSQL: each store in a fresh schema of this file's database. */
import { usePostgresDatabase } from './postgres-schemas.js';
import { runStoreContract } from './store-contract.js';

const database = await usePostgresDatabase('pg_store');

runStoreContract('postgres', async (clock) => {
  const schema = database.freshSchema();
  const store = await database.open({ schema, ...(clock && { clock }) });
  return { store, cleanup: () => database.query(`DROP SCHEMA ${schema} CASCADE`).then(() => undefined) };
});
