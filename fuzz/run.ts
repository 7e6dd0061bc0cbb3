/**
 * @fileoverview `npm run fuzz -- --format F --count N [--seed S] [--max-seconds T]`: runs the fuzz
 * target of fuzz/fuzz.ts (the native decompression tool on mutated streams; the property is in
 * that file's header) and prints a summary per format. F is a format (gzip, xz, lzma, zstd, lz4,
 * bzip2, lzo), a comma-separated list, or `all`. Failing inputs go to test/corpus/<format>/.
 * Exit status: 0 no failures, 1 failures, 2 usage.
 */
import { buildTool, formatSummary, fuzzOneFormat, FUZZ_FORMATS, type FormatSummary } from './fuzz.ts';

const USAGE = `usage: npm run fuzz -- --format F --count N [--seed S] [--max-seconds T] [--timeout-ms M] [--jobs J] [--no-corpus]

  --format F        gzip, xz, lzma, zstd, lz4, bzip2, lzo, a comma-separated list, or all
  --count N         cases per format
  --seed S          the seed everything derives from (default 1): same seed, same cases
  --max-seconds T   stop starting new cases of a format after T seconds
  --timeout-ms M    a case running longer is killed and counted as a hang (default 10000)
  --jobs J          cases run at once (default: the number of CPUs, at least 2)
  --no-corpus       do not write failing inputs to test/corpus/<format>/
`;

async function main(argv: string[]): Promise<number> {
  let formats: string[] = [];
  let count = 0;
  let seed = 1;
  let maxSeconds: number | undefined;
  let timeoutMs: number | undefined;
  let concurrency: number | undefined;
  let writeCorpus = true;
  for (let i = 0; i < argv.length; i++) {
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${argv[i - 1]} needs a value`);
      return v;
    };
    switch (argv[i]) {
      case '--format': formats = value().split(','); break;
      case '--count': count = Number(value()); break;
      case '--seed': seed = Number(value()); break;
      case '--max-seconds': maxSeconds = Number(value()); break;
      case '--timeout-ms': timeoutMs = Number(value()); break;
      case '--jobs': concurrency = Number(value()); break;
      case '--no-corpus': writeCorpus = false; break;
      case '--help': case '-h': process.stdout.write(USAGE); return 0;
      default: process.stderr.write(`efistub: fuzz: unknown argument ${argv[i]}\n${USAGE}`); return 2;
    }
  }
  if (formats.includes('all')) formats = FUZZ_FORMATS.map((f) => f.name);
  const unknown = formats.filter((f) => !FUZZ_FORMATS.some((known) => known.name === f));
  if (!formats.length || unknown.length || !Number.isInteger(count) || count <= 0 || !Number.isFinite(seed)) {
    process.stderr.write(`efistub: fuzz: ${unknown.length ? `unknown format ${unknown.join(', ')}` : 'give --format and --count'}\n${USAGE}`);
    return 2;
  }
  const progress = (line: string): void => { process.stderr.write(`${line}\n`); };
  const tool = buildTool(progress);
  const summaries: FormatSummary[] = [];
  for (const format of formats) {
    progress(`efistub: fuzz: ${format}: ${count} cases, seed ${seed}…`);
    const summary = await fuzzOneFormat(tool, { format, count, seed, maxSeconds, timeoutMs, concurrency, writeCorpus, progress });
    summaries.push(summary);
    process.stdout.write(`${formatSummary(summary)}\n`);
  }
  const failures = summaries.reduce((n, s) => n + s.failures.length, 0);
  const cases = summaries.reduce((n, s) => n + s.cases, 0);
  process.stdout.write(`total: ${cases} cases, ${failures} failures (seed ${seed})\n`);
  return failures ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (error) => {
  process.stderr.write(`efistub: fuzz: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
