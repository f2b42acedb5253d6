/**
 * A map's data files: `map.json` (the ValidityMap, non-finite numbers kept by the toolkit's JSON codec) and
 * `points.parquet`, a tidy table for pandas/polars with one row per (point, seed): the axis columns, seed, run id,
 * the seed's verdict, the point's verdict over seeds, the mapped metric's value and its error ratio.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { encodeJson } from '../../core/jsonCodec.ts';
import type { AxisValue, ValidityMap } from '../../studies/validityMap/types.ts';

/** Fixed columns of points.parquet; an axis named like one of them gets the column `param_<key>`. */
const FIXED = ['point', 'seed', 'run_id', 'verdict', 'point_verdict', 'fraction_holds', 'metric', 'value', 'error_ratio', 'error'] as const;

export type PointRow = Record<string, AxisValue | number | string | null>;

/** The column an axis is written under. */
export function axisColumn(key: string): string {
  return (FIXED as readonly string[]).includes(key) ? `param_${key}` : key;
}

const finiteOrNull = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? x : null);

/** One row per (point, seed), points in grid order, seeds in spec order. Non-finite numbers become null. */
export function pointRows(map: ValidityMap): PointRow[] {
  const rows: PointRow[] = [];
  for (const p of map.points) {
    p.runIds.forEach((runId, i) => {
      const row: PointRow = { point: p.index };
      for (const a of map.spec.axes) {
        const v = p.coords[a.key];
        row[axisColumn(a.key)] = typeof v === 'object' && v !== null ? JSON.stringify(v) : v;
      }
      Object.assign(row, {
        seed: map.spec.seeds[i],
        run_id: runId,
        verdict: p.seedVerdicts[i],
        point_verdict: p.verdict,
        fraction_holds: p.fractionHolds,
        metric: p.metric?.name ?? null,
        value: finiteOrNull(p.metric?.perSeedValue?.[i]),
        error_ratio: finiteOrNull(p.metric?.perSeed[i]),
        error: p.error ?? null,
      });
      rows.push(row);
    });
  }
  return rows;
}

/** DuckDB type of an axis column: DOUBLE for numbers, BOOLEAN for flags, VARCHAR otherwise (mixed, JSON). */
function axisType(values: readonly AxisValue[]): string {
  if (values.every((v) => typeof v === 'number')) return 'DOUBLE';
  if (values.every((v) => typeof v === 'boolean')) return 'BOOLEAN';
  return 'VARCHAR';
}

const quoteIdent = (s: string) => `"${s.replaceAll('"', '""')}"`;
const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** Write the map's points as Parquet through an in-memory DuckDB (via a newline-delimited JSON file next to it). */
export async function writePointsParquet(map: ValidityMap, outPath: string): Promise<void> {
  const rows = pointRows(map);
  const columns: [string, string][] = [
    ['point', 'BIGINT'],
    ...map.spec.axes.map((a): [string, string] => [axisColumn(a.key), axisType(a.values)]),
    ['seed', 'BIGINT'],
    ['run_id', 'VARCHAR'],
    ['verdict', 'VARCHAR'],
    ['point_verdict', 'VARCHAR'],
    ['fraction_holds', 'DOUBLE'],
    ['metric', 'VARCHAR'],
    ['value', 'DOUBLE'],
    ['error_ratio', 'DOUBLE'],
    ['error', 'VARCHAR'],
  ];
  const target = resolve(outPath);
  const tmp = `${target}.rows.jsonl`;
  writeFileSync(tmp, rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    await conn.run(`CREATE TABLE points (${columns.map(([c, t]) => `${quoteIdent(c)} ${t}`).join(', ')})`);
    if (rows.length > 0) {
      const cols = `{${columns.map(([c, t]) => `${sqlString(c)}: ${sqlString(t)}`).join(', ')}}`;
      await conn.run(`INSERT INTO points SELECT ${columns.map(([c]) => quoteIdent(c)).join(', ')} FROM read_json(${sqlString(tmp)}, format = 'newline_delimited', columns = ${cols})`);
    }
    await conn.run(`COPY points TO ${sqlString(target)} (FORMAT parquet, COMPRESSION snappy)`);
  } finally {
    conn.closeSync();
    instance.closeSync();
    rmSync(tmp, { force: true });
  }
}

/** Write `map.json` and `points.parquet` into `dir` (created if needed); returns the paths written. */
export async function writeMapData(map: ValidityMap, dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'map.json');
  writeFileSync(json, `${encodeJson(map)}\n`);
  const parquet = join(dir, 'points.parquet');
  await writePointsParquet(map, parquet);
  return [json, parquet];
}
