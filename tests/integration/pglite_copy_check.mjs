// pglite_copy_check.mjs - loads the store's COPY BINARY streams into real pgvector (PGlite) and checks every value.
//
// Usage: node pglite_copy_check.mjs DIR   (run from a directory whose node_modules has PGlite)
// DIR holds create.sql, <table>.bin and expected.json, written by test_store_pg (ES_PG_COPY_DUMP).
// PGlite's socket server cannot take COPY FROM STDIN, but PGlite itself runs COPY FROM '/dev/blob':
// the same bytes the store sends with PQputCopyData go through pgvector's own vector_recv here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';

const dir = process.argv[2];
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
const pg = new PGlite({ extensions: { vector } });
const problems = [];

function f32bits(text) {
  const v = new DataView(new ArrayBuffer(4));
  v.setFloat32(0, Number(text));
  return v.getUint32(0).toString(16).padStart(8, '0');
}

// pgvector prints floats shortest-exact ("[-0,1e-39,...]"): parsed and rounded to float32 they
// give back the stored bits.
function vectorBits(text) {
  return text.slice(1, -1).split(',').map(f32bits);
}

await pg.exec('CREATE EXTENSION IF NOT EXISTS vector;');
await pg.exec(readFileSync(join(dir, 'create.sql'), 'utf8'));
for (const [table, rows] of Object.entries(expected)) {
  const blob = new Blob([readFileSync(join(dir, table + '.bin'))]);
  const res = await pg.query(`COPY "${table}" FROM '/dev/blob' WITH (FORMAT binary)`, [], { blob });
  if (res.affectedRows !== rows.length) problems.push(`${table}: COPY loaded ${res.affectedRows} rows, expected ${rows.length}`);
  const type = (await pg.query(`SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute
      WHERE attrelid = '"${table}"'::regclass AND attname = 'vector'`)).rows[0].t;
  if (!/^vector\(\d+\)$/.test(type)) problems.push(`${table}.vector has type ${type}, not vector(N)`);
  const key = Object.keys(rows[0])[0];
  const got = (await pg.query(`SELECT *, "${key}"::text AS key_text, vector::text AS vector_text,
      vector_dims(vector) AS dims FROM "${table}" ORDER BY 1`)).rows;
  rows.forEach((want, i) => {
    const row = got[i];
    if (!row) { problems.push(`${table}: row ${i} missing`); return; }
    for (const [name, value] of Object.entries(want)) {
      let have = row[name];
      if (name === key) have = row.key_text;
      if (name === 'vector') {
        have = vectorBits(row.vector_text);
        if (row.dims !== value.length) problems.push(`${table} row ${i}: vector_dims ${row.dims}, expected ${value.length}`);
      }
      if (JSON.stringify(have) !== JSON.stringify(value))
        problems.push(`${table} row ${i} ${name}: got ${JSON.stringify(have).slice(0, 200)}, expected ${JSON.stringify(value).slice(0, 200)}`);
    }
  });
  // The cast path the store's staging upsert relies on: vector -> vector(N) assignment and ON CONFLICT.
  await pg.exec(`CREATE TEMP TABLE es_stage AS SELECT * FROM "${table}" WITH NO DATA;
    INSERT INTO es_stage SELECT * FROM "${table}";
    INSERT INTO "${table}" SELECT * FROM es_stage ON CONFLICT ("${key}") DO UPDATE SET vector = EXCLUDED.vector;
    DROP TABLE es_stage;`);
  const n = (await pg.query(`SELECT count(*)::int AS n FROM "${table}"`)).rows[0].n;
  if (n !== rows.length) problems.push(`${table}: ${n} rows after the upsert, expected ${rows.length}`);
}
await pg.close();
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`ok: ${Object.values(expected).reduce((a, r) => a + r.length, 0)} rows through COPY BINARY into pgvector`);
