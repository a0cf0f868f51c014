import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { openSqlSession, type SqlSession, type SqlSessionOptions } from './duckdb-session.js';
import { SqlError, type SqlErrorReason } from './sql-error.js';
import {
  makeParquetFixture,
  pricesView,
  readParquetRows,
  runUnconfined,
  type ParquetFixture,
} from './testing/parquet-fixture.js';

let fixture: ParquetFixture;
const sessions: SqlSession[] = [];

beforeAll(async () => {
  fixture = await makeParquetFixture();
});
afterEach(() => {
  for (const session of sessions.splice(0)) session.close();
});
afterAll(() => fixture.remove());

async function open(options: Partial<SqlSessionOptions> = {}): Promise<SqlSession> {
  const session = await openSqlSession({
    readableDirectories: [fixture.tables],
    views: [pricesView(fixture.tables)],
    timeLimitMs: 10_000,
    maxRows: 10_000,
    threads: 1,
    ...options,
  });
  sessions.push(session);
  return session;
}

/** The SqlError `work` rejects with, after checking it is one, of `reason`, with the prefix its reason implies. */
async function sqlErrorOf(work: Promise<unknown>, reason: SqlErrorReason): Promise<SqlError> {
  const error = await work.then(
    () => {
      throw new Error('expected a SqlError, the statement succeeded');
    },
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(SqlError);
  expect(error).toBeInstanceOf(UserError);
  expect((error as SqlError).reason).toBe(reason);
  expect((error as SqlError).message).toMatch(/^(query refused|query failed|query stopped|cannot create a view): /);
  return error as SqlError;
}

describe('openSqlSession: results', () => {
  it('reads the views over the Parquet tables, with the Hive partition as a DATE', async () => {
    const session = await open();
    const result = await session.query(
      'SELECT as_of, ticker, close, volume, fetched_at, note FROM prices ORDER BY as_of, ticker',
    );
    expect(result.columns).toEqual([
      { name: 'as_of', type: 'DATE' },
      { name: 'ticker', type: 'VARCHAR' },
      { name: 'close', type: 'DOUBLE' },
      { name: 'volume', type: 'BIGINT' },
      { name: 'fetched_at', type: 'TIMESTAMP' },
      { name: 'note', type: 'VARCHAR' },
    ]);
    expect(result.rows).toEqual([
      ['2024-01-02', 'AAA', 10.5, 1000, '2024-01-02T21:00:00.123Z', 'first'],
      // NaN has no JSON form: null; a BIGINT beyond 2^53 keeps its digits as a string.
      ['2024-01-02', 'BBB', null, '9007199254740993', '2024-01-02T21:00:00.000Z', null],
      ['2024-01-03', 'AAA', 11, 2000, '2024-01-03T21:00:00.000001Z', null],
    ]);
  });

  it('writes every type JSON-safe', async () => {
    const session = await open();
    const result = await session.query(`SELECT
        -9007199254740991::BIGINT AS safe, -9007199254740993::BIGINT AS unsafe,
        170141183460469231731687303715884105727::HUGEINT AS huge, 42::UTINYINT AS tiny,
        'Infinity'::DOUBLE AS inf, '-Infinity'::FLOAT AS neg_inf, 1.25::DECIMAL(10, 2) AS dec,
        TIMESTAMPTZ '2024-03-01 12:00:00+02' AS tz, '2024-03-01 12:00:00'::TIMESTAMP_S AS ts_s,
        '2024-03-01 12:00:00.000000007'::TIMESTAMP_NS AS ts_ns, 'infinity'::TIMESTAMP AS ts_inf,
        TIMESTAMP '1969-12-31 23:59:59.25' AS before_epoch,
        DATE '1999-12-31' AS d, [1, NULL, 3] AS list, {'a': 1, 'b': ['x']} AS struct, MAP {'k': 2} AS map,
        '\\x00\\xFFhi'::BLOB AS bytes, true AS flag, NULL AS nothing, INTERVAL 2 DAY AS span, TIME '10:30:00' AS t`);
    expect(Object.fromEntries(result.columns.map((column, index) => [column.name, result.rows[0][index]]))).toEqual({
      safe: -9007199254740991,
      unsafe: '-9007199254740993',
      huge: '170141183460469231731687303715884105727',
      tiny: 42,
      inf: null,
      neg_inf: null,
      dec: 1.25,
      tz: '2024-03-01T10:00:00.000Z',
      ts_s: '2024-03-01T12:00:00.000Z',
      ts_ns: '2024-03-01T12:00:00.000000007Z',
      ts_inf: 'infinity',
      before_epoch: '1969-12-31T23:59:59.250Z',
      d: '1999-12-31',
      list: [1, null, 3],
      struct: { a: 1, b: ['x'] },
      map: [{ key: 'k', value: 2 }],
      bytes: Buffer.from([0, 255, 104, 105]).toString('base64'),
      flag: true,
      nothing: null,
      span: '2 days',
      t: '10:30:00',
    });
    expect(JSON.parse(JSON.stringify(result.rows))).toEqual(result.rows);
  });

  it('runs the read-only forms of SELECT: FROM-first, VALUES, WITH, DESCRIBE, SUMMARIZE, SHOW TABLES, PIVOT ... IN', async () => {
    const session = await open();
    expect((await session.query('FROM prices SELECT count(*) AS n')).rows).toEqual([[3]]);
    expect((await session.query('VALUES (1), (2)')).rows).toEqual([[1], [2]]);
    expect((await session.query('WITH x AS (SELECT 5 AS v) SELECT v FROM x;')).rows).toEqual([[5]]);
    expect((await session.query('DESCRIBE prices')).rows.map((row) => row[0])).toContain('as_of');
    expect((await session.query('SUMMARIZE SELECT ticker, volume FROM prices')).rows).toHaveLength(2);
    expect((await session.query('SHOW TABLES')).rows).toEqual([['prices']]);
    const pivot = "PIVOT prices ON ticker IN ('AAA', 'BBB') USING count(*) GROUP BY as_of ORDER BY as_of";
    expect((await session.query(pivot)).rows).toEqual([
      ['2024-01-02', 1, 1],
      ['2024-01-03', 1, 0],
    ]);
  });

  it('says which view it cannot create', async () => {
    const error = await sqlErrorOf(
      openSqlSession({
        readableDirectories: [fixture.tables],
        views: [{ name: 'runs', sql: `SELECT * FROM read_parquet('${fixture.tables}/runs/*/*.parquet')` }],
        timeLimitMs: 1000,
        maxRows: 10,
      }),
      'view',
    );
    expect(error.message).toMatch(/^cannot create a view: runs: IO Error: No files found that match the pattern/);
  });
});

describe('openSqlSession: only a single SELECT runs', () => {
  const outFile = () => join(fixture.root, 'written.csv');
  const refused: [string, () => string][] = [
    ['COPY ... TO', () => `COPY (SELECT 1) TO '${outFile()}'`],
    ['COPY a table', () => `COPY prices TO '${outFile()}'`],
    ['CREATE TABLE', () => 'CREATE TABLE t AS SELECT 1'],
    ['CREATE VIEW', () => 'CREATE VIEW v AS SELECT 1'],
    ['INSERT', () => 'INSERT INTO prices VALUES (1)'],
    ['DROP', () => 'DROP VIEW prices'],
    ['ATTACH', () => `ATTACH '${join(fixture.root, 'attached.db')}' AS other`],
    ['DETACH', () => 'DETACH memory'],
    ['INSTALL', () => 'INSTALL httpfs'],
    ['LOAD', () => 'LOAD httpfs'],
    ['SET', () => 'SET enable_external_access = true'],
    ['RESET', () => 'RESET allowed_directories'],
    ['SET VARIABLE', () => 'SET VARIABLE x = 1'],
    ['PRAGMA that DuckDB rewrites into a SELECT', () => 'PRAGMA version'],
    ['PRAGMA that sets', () => 'PRAGMA threads = 4'],
    ['CALL', () => 'CALL pragma_version()'],
    ['EXPORT DATABASE', () => `EXPORT DATABASE '${join(fixture.root, 'export')}'`],
    ['EXPLAIN', () => 'EXPLAIN SELECT 1'],
    ['EXPLAIN ANALYZE', () => 'EXPLAIN ANALYZE SELECT 1'],
    ['BEGIN', () => 'BEGIN TRANSACTION'],
    ['CHECKPOINT', () => 'CHECKPOINT'],
    ['USE', () => 'USE system'],
    ['PIVOT that creates a type', () => 'PIVOT prices ON ticker USING count(*)'],
  ];
  it.each(refused)('refuses %s before it runs', async (_name, sql) => {
    const session = await open();
    const error = await sqlErrorOf(session.query(sql()), 'refused');
    expect(error.message).toMatch(/^query refused: only a single SELECT statement may run/);
  });

  it('refused statements had no effect', async () => {
    const session = await open();
    for (const sql of refused.map(([, sql]) => sql())) await session.query(sql).catch(() => undefined);
    expect(existsSync(outFile())).toBe(false);
    expect(existsSync(join(fixture.root, 'attached.db'))).toBe(false);
    expect(existsSync(join(fixture.root, 'export'))).toBe(false);
    expect((await session.query('SELECT count(*) FROM prices')).rows).toEqual([[3]]);
    expect((await session.query("SELECT table_name FROM duckdb_tables() WHERE table_name = 't'")).rows).toEqual([]);
    expect((await session.query("SELECT current_setting('enable_external_access')")).rows).toEqual([[false]]);
  });

  it('refuses two statements, even two SELECTs, and runs neither', async () => {
    const session = await open();
    const error = await sqlErrorOf(session.query('SELECT 1; SELECT 2'), 'refused');
    expect(error.message).toBe('query refused: only one statement may run, this text has 2');
    await sqlErrorOf(session.query(`SELECT 1; COPY (SELECT 1) TO '${outFile()}'`), 'refused');
    expect(existsSync(outFile())).toBe(false);
  });

  it('refuses an empty text, and reports a syntax error as a failure with DuckDB words', async () => {
    const session = await open();
    expect((await sqlErrorOf(session.query('  ; '), 'refused')).message).toBe(
      'query refused: there is no statement to run',
    );
    expect((await sqlErrorOf(session.query('SELEC 1'), 'failed')).message).toMatch(
      /^query failed: Parser Error: syntax error at or near "SELEC"/,
    );
    expect((await sqlErrorOf(session.query('SELECT * FROM nowhere'), 'failed')).message).toMatch(
      /^query failed: Catalog Error: Table with name nowhere does not exist/,
    );
  });

  it('a comment or a string holding a semicolon is one statement', async () => {
    const session = await open();
    expect((await session.query("SELECT ';' AS s -- ; DROP VIEW prices")).rows).toEqual([[';']]);
  });
});

describe('openSqlSession: files', () => {
  let other: string;
  beforeAll(async () => {
    // A real Parquet file in a folder whose name starts with the readable one's: DuckDB matches prefixes.
    other = `${fixture.tables}-other`;
    mkdirSync(other);
    await runUnconfined(`COPY (SELECT 1 AS x) TO '${other}/x.parquet'`);
    symlinkSync(join(fixture.outside, 'secret.parquet'), join(fixture.tables, 'link-to-secret.parquet'));
    symlinkSync(fixture.outside, join(fixture.tables, 'link-to-outside'));
    symlinkSync(join(fixture.tables, 'prices'), join(fixture.tables, 'link-to-prices'));
  });

  const permission =
    /^query failed: Permission Error: Cannot access (file|directory) ".*" - file system operations are disabled by configuration/;
  const attempts: [string, () => string][] = [
    ['read_csv of /etc/passwd', () => "SELECT * FROM read_csv('/etc/passwd')"],
    ['read_text', () => "SELECT * FROM read_text('/etc/hostname')"],
    ['read_blob', () => "SELECT * FROM read_blob('/etc/hostname')"],
    ['a Parquet file outside', () => `SELECT * FROM read_parquet('${fixture.outside}/secret.parquet')`],
    ['a folder whose name extends the readable one', () => `SELECT * FROM read_parquet('${other}/x.parquet')`],
    ['glob', () => "SELECT * FROM glob('/etc/*')"],
    ['a path escaping with ..', () => `SELECT * FROM read_parquet('${fixture.tables}/../outside/secret.parquet')`],
    ['a symbolic link to a file outside', () => `SELECT * FROM '${fixture.tables}/link-to-secret.parquet'`],
    ['a symbolic link to a folder outside', () => `SELECT * FROM '${fixture.tables}/link-to-outside/secret.parquet'`],
    ['https', () => "SELECT * FROM read_parquet('https://example.com/x.parquet')"],
    ['http', () => "SELECT * FROM read_csv('http://127.0.0.1:1/x.csv')"],
    ['s3', () => "SELECT * FROM read_parquet('s3://bucket/x.parquet')"],
    [
      'a CSV in the readable folder named by a .. that leaves it',
      () => `SELECT * FROM read_csv('${fixture.tables}/../../../etc/passwd')`,
    ],
  ];
  it.each(attempts)('refuses %s', async (_name, sql) => {
    const session = await open();
    const error = await sqlErrorOf(session.query(sql()), 'failed');
    expect(error.message).toMatch(permission);
    expect(error.message).not.toContain('do not read me');
  });

  it('a bare path outside is not even a table name', async () => {
    const session = await open();
    const error = await sqlErrorOf(session.query("SELECT * FROM '/etc/passwd'"), 'failed');
    expect(error.message).toMatch(/^query failed: Catalog Error: Table with name \/etc\/passwd does not exist/);
  });

  it('glob lists the names in the readable folder, a link leading out included, and reading that link fails', async () => {
    const session = await open();
    const files = (await session.query(`SELECT file FROM glob('${fixture.tables}/**/*.parquet') ORDER BY file`)).rows;
    expect(files.flat()).toEqual([
      `${fixture.tables}/link-to-secret.parquet`,
      `${fixture.tables}/prices/as_of=2024-01-02/part-0.parquet`,
      `${fixture.tables}/prices/as_of=2024-01-03/part-0.parquet`,
    ]);
    // A glob over the whole folder then fails at the link rather than reading what it points to.
    const error = await sqlErrorOf(
      session.query(`SELECT * FROM read_parquet('${fixture.tables}/*.parquet')`),
      'failed',
    );
    expect(error.message).toMatch(/Permission Error: Cannot access file ".*link-to-secret.parquet"/);
  });

  it('follows a symbolic link that stays inside the readable folder, and reads through a linked readable folder', async () => {
    const session = await open();
    expect((await session.query(`SELECT count(*) FROM '${fixture.tables}/link-to-prices/*/*.parquet'`)).rows).toEqual([
      [3],
    ]);
    const linkedRoot = join(fixture.root, 'linked-tables');
    symlinkSync(fixture.tables, linkedRoot);
    const linked = await open({ readableDirectories: [linkedRoot], views: [pricesView(linkedRoot)] });
    expect((await linked.query('SELECT count(*) FROM prices')).rows).toEqual([[3]]);
    await sqlErrorOf(linked.query(`SELECT * FROM '${linkedRoot}/link-to-secret.parquet'`), 'failed');
  });

  it('locks its configuration: no external access, no extension loading, nothing to change', async () => {
    const session = await open();
    const settings = await session.query(`SELECT name, value FROM duckdb_settings() WHERE name IN
      ('enable_external_access', 'lock_configuration', 'autoinstall_known_extensions', 'autoload_known_extensions',
       'allow_community_extensions') ORDER BY name`);
    expect(settings.rows).toEqual([
      ['allow_community_extensions', 'false'],
      ['autoinstall_known_extensions', 'false'],
      ['autoload_known_extensions', 'false'],
      ['enable_external_access', 'false'],
      ['lock_configuration', 'true'],
    ]);
    // A function that only an extension has fails instead of fetching the extension.
    await sqlErrorOf(session.query("SELECT * FROM read_xlsx('x.xlsx')"), 'failed');
    await sqlErrorOf(session.query("SELECT getenv('HOME')"), 'failed');
  });

  it('creates nothing in the working directory or the home directory, and removes its own at close', async () => {
    const work = mkdtempSync(join(tmpdir(), 'marketlake-sql-cwd-'));
    const home = mkdtempSync(join(tmpdir(), 'marketlake-sql-home-'));
    const cwd = process.cwd();
    const previousHome = process.env.HOME;
    try {
      process.chdir(work);
      process.env.HOME = home;
      // A sort larger than the memory limit spills to disk.
      const session = await open({ memoryLimit: '32MB' });
      const spilled = await session.query('SELECT count(*) FROM (SELECT * FROM range(3000000) t(i) ORDER BY random())');
      expect(spilled.rows).toEqual([[3000000]]);
      await sqlErrorOf(session.query('INSTALL httpfs'), 'refused');
      // Left to itself DuckDB spills into ./.tmp (and removes it at close): look while the session is open.
      expect(readdirSync(work)).toEqual([]);
      expect(readdirSync(home)).toEqual([]);
      const [[own, ...others]] = (
        await session.query(`SELECT current_setting('home_directory'), current_setting('temp_directory'),
          current_setting('extension_directory'), current_setting('secret_directory')`)
      ).rows as string[][];
      expect(own.startsWith(join(tmpdir(), 'marketlake-sql-'))).toBe(true);
      for (const directory of others) expect(directory.startsWith(own + '/')).toBe(true);
      sessions.splice(sessions.indexOf(session), 1);
      session.close();
      session.close();
      expect(readdirSync(work)).toEqual([]);
      expect(readdirSync(home)).toEqual([]);
      expect(existsSync(own)).toBe(false);
    } finally {
      process.chdir(cwd);
      process.env.HOME = previousHome;
      rmSync(work, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('openSqlSession: limits', () => {
  it('interrupts a statement that runs past the time limit, and the session still answers after', async () => {
    const session = await open({ timeLimitMs: 500 });
    const started = Date.now();
    const error = await sqlErrorOf(
      session.query('SELECT count(*) FROM range(1000000000000) a, range(1000000000000) b'),
      'time-limit',
    );
    expect(Date.now() - started).toBeLessThan(5500);
    expect(error.message).toBe(
      'query stopped: it ran longer than the time limit of 0.5 s (give more time with --timeout)',
    );
    expect((await session.query('SELECT 1 AS one')).rows).toEqual([[1]]);
  });

  it('refuses a result of more rows than the cap, and returns one of exactly the cap', async () => {
    const capped = await open({ maxRows: 100 });
    const error = await sqlErrorOf(capped.query('SELECT * FROM range(1000)'), 'row-limit');
    expect(error.message).toBe(
      'query stopped: the result has more than 100 rows, the limit (raise it with --max-rows, or narrow the query)',
    );
    expect((await capped.query('SELECT * FROM range(100)')).rows).toHaveLength(100);
    const roomy = await open({ maxRows: 1000 });
    const all = await roomy.query('SELECT * FROM range(1000)');
    expect(all.rows.map((row) => row[0])).toEqual([...Array(1000).keys()]);
  });

  it('stops a huge result at the cap without computing it whole', async () => {
    const session = await open({ maxRows: 100, timeLimitMs: 60_000 });
    const started = Date.now();
    await sqlErrorOf(session.query('SELECT i, i * 2 FROM range(100000000000) t(i)'), 'row-limit');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('openSqlSession: writeParquet', () => {
  const output = () => join(fixture.root, 'export', 'out.parquet');
  beforeAll(() => mkdirSync(join(fixture.root, 'export'), { recursive: true }));
  afterEach(() => rmSync(output(), { force: true }));
  const leftovers = () => readdirSync(join(fixture.root, 'export'));

  it('writes the rows of a SELECT in its order, a comment and a semicolon at its end notwithstanding', async () => {
    const session = await open({ outputFiles: [output()] });
    const written = await session.writeParquet(
      'SELECT ticker, as_of FROM prices ORDER BY as_of DESC, ticker; -- newest first',
      output(),
    );
    expect(written).toEqual({ rows: 3 });
    expect(await readParquetRows(output())).toEqual([
      ['AAA', '2024-01-03'],
      ['AAA', '2024-01-02'],
      ['BBB', '2024-01-02'],
    ]);
    expect(leftovers()).toEqual(['out.parquet']);
  });

  it('leaves no file when the rows exceed the cap, the statement is refused or it fails', async () => {
    const session = await open({ outputFiles: [output()], maxRows: 10 });
    await sqlErrorOf(session.writeParquet('SELECT * FROM range(11)', output()), 'row-limit');
    await sqlErrorOf(session.writeParquet(`COPY (SELECT 1) TO '${output()}'`, output()), 'refused');
    await sqlErrorOf(session.writeParquet('SELECT 1; SELECT 2', output()), 'refused');
    await sqlErrorOf(session.writeParquet(`SELECT * FROM '${fixture.outside}/secret.parquet'`, output()), 'failed');
    // Fails while the COPY is writing, after the first rows.
    const failsLate = "SELECT CASE WHEN i < 9 THEN i ELSE error('boom') END AS i FROM range(10) t(i)";
    expect((await sqlErrorOf(session.writeParquet(failsLate, output()), 'failed')).message).toMatch(/boom/);
    expect(leftovers()).toEqual([]);
    expect(await session.writeParquet('SELECT * FROM range(10)', output())).toEqual({ rows: 10 });
  });

  it('stops a write that runs past the time limit, leaving no file', async () => {
    const session = await open({ outputFiles: [output()], timeLimitMs: 500 });
    const started = Date.now();
    await sqlErrorOf(
      session.writeParquet('SELECT count(*) FROM range(1000000000000) a, range(1000000000000) b', output()),
      'time-limit',
    );
    expect(Date.now() - started).toBeLessThan(5500);
    expect(leftovers()).toEqual([]);
  });

  it('says so at open when the folder of an output file does not exist', async () => {
    const missing = join(fixture.root, 'no-such-folder', 'out.parquet');
    const error = await open({ outputFiles: [missing] }).catch((error: unknown) => error);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(
      `cannot write "${missing}": the folder "${join(fixture.root, 'no-such-folder')}" does not exist`,
    );
  });

  it('writes only a file declared at open', async () => {
    const session = await open({ outputFiles: [output()] });
    await expect(session.writeParquet('SELECT 1', join(fixture.root, 'export', 'other.parquet'))).rejects.toThrow(
      /is not one of the session's outputFiles/,
    );
    expect(leftovers()).toEqual([]);
  });
});
