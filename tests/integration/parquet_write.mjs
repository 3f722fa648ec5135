// parquet_write.mjs - rows to Parquet through real writers, DuckDB (@duckdb/node-api), arrow-rs (parquet-wasm) or Polars (nodejs-polars), for the tests and the benchmark.
// Usage: node parquet_write.mjs NODE_MODULES SPEC.json   (SPEC.json: one spec or a list of them)
// SPEC: {"writer": "duckdb" | "arrow-rs" | "polars", "out": "x.parquet",
//        "rows": "rows.jsonl",                      one JSON object per line, the columns' names
//        "columns": [["id", "text"], ...],           text, int32, int64, double, float[], double[],
//                                                   float[N] (fixed size), text[]
//        "duckdb": "COMPRESSION zstd, ...",          options of COPY ... (FORMAT PARQUET, ...)
//        "arrow": {"compression": "ZSTD", "version": 2, "dictionary": false,
//                  "encodings": {"col": "DELTA_BINARY_PACKED"}, "row_group_size": 100,
//                  "page_size": 1024},
//        "polars": {"compression": "zstd"}}            options of DataFrame.writeParquet
// or, instead of rows and columns (DuckDB only): "generate": {"rows": N, "dim": D, "csv": "x.csv"}, N
// recruit rows with random float32 vectors, also written as CSV (the same rows, for the CSV path);
// or "source": "y.parquet", the rows of another Parquet file (to write them with other options).
import { readFileSync, writeFileSync } from 'fs';
import path from 'path';

const [modules, specPath] = process.argv.slice(2);
const specs = [].concat(JSON.parse(readFileSync(specPath, 'utf8')));
const load = (name, file) => import(path.join(modules, name, file));

const DUCK_TYPES = { text: 'VARCHAR', int32: 'INTEGER', int64: 'BIGINT', double: 'DOUBLE', 'text[]': 'VARCHAR[]' };
const sqlString = (s) => "'" + s.replace(/'/g, "''") + "'";

function duckColumn([name, type]) {
  const q = '"' + name + '"';
  const fixed = /^float\[(\d+)\]$/.exec(type);
  if (fixed) return [name, 'DOUBLE[]', `CAST(${q} AS FLOAT[${fixed[1]}]) AS ${q}`];
  if (type === 'float[]') return [name, 'DOUBLE[]', `CAST(${q} AS FLOAT[]) AS ${q}`];
  if (type === 'double[]') return [name, 'DOUBLE[]', q];
  return [name, DUCK_TYPES[type], q];
}

async function duckdb(spec) {
  const { DuckDBInstance } = await load('@duckdb/node-api', 'lib/index.js');
  const con = await (await DuckDBInstance.create(':memory:')).connect();
  await con.run('SET threads = 1'); // one thread keeps the rows in file order
  if (spec.source) {
    await con.run(`CREATE TABLE t AS SELECT * FROM read_parquet(${sqlString(spec.source)})`);
  } else if (spec.generate) {
    const g = spec.generate;
    await con.run(`SELECT setseed(0.5)`);
    await con.run(`CREATE TABLE t AS SELECT printf('%08x-0000-4000-8000-%012x', i, i * 7919) AS id,
      'company ' || (i % 1000) AS company_name, (i % 40)::INTEGER AS exp_years,
      ['A1', 'B2', 'C1'][1 + i % 3] AS english_level, 'kw' || (i % 97) AS primary_keyword,
      array_transform(range(${g.dim}), x -> (random() * 2 - 1)::FLOAT) AS vector FROM range(${g.rows}) r(i)`);
    if (g.csv) await con.run(`COPY t TO ${sqlString(g.csv)} (HEADER)`);
  } else {
    const cols = spec.columns.map(duckColumn);
    const decl = cols.map(([n, t]) => `${sqlString(n)}: ${sqlString(t)}`).join(', ');
    await con.run(`CREATE TABLE t AS SELECT ${cols.map((c) => c[2]).join(', ')} FROM read_json(${sqlString(spec.rows)},
      format = 'newline_delimited', columns = {${decl}})`);
  }
  const opts = spec.duckdb ? ', ' + spec.duckdb : '';
  await con.run(`COPY t TO ${sqlString(spec.out)} (FORMAT PARQUET${opts})`);
}

function arrowVector(arrow, rows, [name, type]) {
  const vals = rows.map((r) => (r[name] === undefined ? null : r[name]));
  const f32 = new arrow.Field('item', new arrow.Float32(), true);
  const fixed = /^float\[(\d+)\]$/.exec(type);
  const types = {
    text: () => new arrow.Utf8(), int32: () => new arrow.Int32(), double: () => new arrow.Float64(),
    'float[]': () => new arrow.List(f32), 'double[]': () => new arrow.List(new arrow.Field('item', new arrow.Float64(), true)),
    'text[]': () => new arrow.List(new arrow.Field('item', new arrow.Utf8(), true)),
  };
  if (type === 'int64') return arrow.vectorFromArray(vals.map((v) => (v === null ? null : BigInt(v))), new arrow.Int64());
  if (fixed) return arrow.vectorFromArray(vals, new arrow.FixedSizeList(Number(fixed[1]), f32));
  return arrow.vectorFromArray(vals, types[type]());
}

async function arrowRs(spec) {
  const arrow = await load('apache-arrow', 'Arrow.node.mjs');
  const pw = await load('parquet-wasm', 'node/parquet_wasm.js');
  const rows = readFileSync(spec.rows, 'utf8').split('\n').filter((l) => l).map((l) => JSON.parse(l));
  const vectors = {};
  for (const c of spec.columns) vectors[c[0]] = arrowVector(arrow, rows, c);
  const table = new arrow.Table(vectors);
  const o = spec.arrow || {};
  let b = new pw.WriterPropertiesBuilder();
  if (o.compression) b = b.setCompression(pw.Compression[o.compression]);
  if (o.version) b = b.setWriterVersion(o.version === 2 ? pw.WriterVersion.V2 : pw.WriterVersion.V1);
  if (o.dictionary !== undefined) b = b.setDictionaryEnabled(o.dictionary);
  if (o.row_group_size) b = b.setMaxRowGroupSize(o.row_group_size);
  if (o.page_size) b = b.setDataPageSizeLimit(o.page_size);
  for (const [col, enc] of Object.entries(o.encodings || {})) b = b.setColumnEncoding(col, pw.Encoding[enc]);
  writeFileSync(spec.out, pw.writeParquet(pw.Table.fromIPCStream(arrow.tableToIPC(table, 'stream')), b.build()));
}

async function polarsSeries(pl, rows, [name, type]) {
  const vals = rows.map((r) => (r[name] === undefined ? null : r[name]));
  const fixed = /^float\[(\d+)\]$/.exec(type);
  const types = {
    text: pl.Utf8, int32: pl.Int32, int64: pl.Int64, double: pl.Float64, 'float[]': pl.List(pl.Float32),
    'double[]': pl.List(pl.Float64), 'text[]': pl.List(pl.Utf8),
  };
  return pl.Series(name, vals, fixed ? pl.FixedSizeList(pl.Float32, Number(fixed[1])) : types[type]);
}

// Polars' own writer (polars-parquet, not arrow-rs'), through its Node bindings.
async function polars(spec) {
  const pl = (await load('nodejs-polars', 'bin/index.js')).default;
  const rows = readFileSync(spec.rows, 'utf8').split('\n').filter((l) => l).map((l) => JSON.parse(l));
  const series = await Promise.all(spec.columns.map((c) => polarsSeries(pl, rows, c)));
  pl.DataFrame(series).writeParquet(spec.out, { compression: 'zstd', ...spec.polars }); // zstd: Polars' default
}

const WRITERS = { duckdb, 'arrow-rs': arrowRs, polars };
for (const spec of specs) await WRITERS[spec.writer](spec);
