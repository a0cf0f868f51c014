/**
 * Summarises a V8 CPU profile (node --cpu-prof) by self time: the top functions, and the totals per package or
 * source folder, so the hot spots of a pipeline run can be read without DevTools.
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/mlprof --import tsx bench/pipeline.bench.ts --backends embedded --skip-floor
 *   --skip-getlatest --skip-cpu
 *   node --import tsx bench/pipeline/profile-summary.ts /tmp/mlprof/*.cpuprofile [--top 40] [--match TEXT]
 *
 * `--match TEXT` also prints, for every function whose name or file contains TEXT, its total (inclusive) time,
 * e.g. `--match runTickerJob`.
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const files = args.filter((a, i) => !a.startsWith('--') && !['--top', '--match'].includes(args[i - 1] ?? ''));
const topIndex = args.indexOf('--top');
const TOP = topIndex >= 0 ? Number(args[topIndex + 1]) : 40;
const matchIndex = args.indexOf('--match');
const MATCH = matchIndex >= 0 ? args[matchIndex + 1] : undefined;

function area(url: string): string {
  if (url === '') return '(native / V8)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return url;
  const src = url.indexOf('/src/');
  if (src >= 0)
    return url
      .slice(src + 1)
      .split('/')
      .slice(0, 2)
      .join('/');
  const bench = url.indexOf('/bench/');
  if (bench >= 0) return 'bench';
  return url;
}

for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const totalUs = profile.endTime - profile.startTime;
  const fnSelf = new Map<string, number>();
  const areaSelf = new Map<string, number>();
  for (const [id, us] of self) {
    const frame = byId.get(id)!.callFrame;
    const name = `${frame.functionName || '(anonymous)'}  ${frame.url.replace(/^.*\/(node_modules|src|bench)\//, '$1/')}:${frame.lineNumber + 1}`;
    fnSelf.set(name, (fnSelf.get(name) ?? 0) + us);
    const a = area(frame.url);
    areaSelf.set(a, (areaSelf.get(a) ?? 0) + us);
  }
  const pct = (us: number) =>
    `${((100 * us) / totalUs).toFixed(1).padStart(5)} %  ${(us / 1e6).toFixed(2).padStart(7)} s`;
  console.log(`\n${file}: ${(totalUs / 1e6).toFixed(2)} s profiled`);
  console.log('\nself time by area:');
  for (const [a, us] of [...areaSelf].sort((x, y) => y[1] - x[1]).slice(0, 25)) console.log(`  ${pct(us)}  ${a}`);
  console.log(`\ntop ${TOP} functions by self time:`);
  for (const [name, us] of [...fnSelf].sort((x, y) => y[1] - x[1]).slice(0, TOP)) console.log(`  ${pct(us)}  ${name}`);

  if (MATCH) {
    // Inclusive time: a node's self time plus its subtree's, counted once per matching function name.
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const inclusive = new Map<string, number>();
    for (const [id, us] of self) {
      const seen = new Set<string>();
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        const frame = byId.get(cur)!.callFrame;
        if (!(frame.functionName.includes(MATCH) || frame.url.includes(MATCH))) continue;
        const name = `${frame.functionName || '(anonymous)'}  ${frame.url.replace(/^.*\/(node_modules|src|bench)\//, '$1/')}:${frame.lineNumber + 1}`;
        if (seen.has(name)) continue;
        seen.add(name);
        inclusive.set(name, (inclusive.get(name) ?? 0) + us);
      }
    }
    console.log(`\ninclusive time of functions matching "${MATCH}":`);
    for (const [name, us] of [...inclusive].sort((x, y) => y[1] - x[1]).slice(0, TOP))
      console.log(`  ${pct(us)}  ${name}`);
  }
}
