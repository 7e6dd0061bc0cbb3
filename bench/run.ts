/**
 * @fileoverview `npm run bench`: both benchmarks, or the one named first.
 *
 *   npm run bench                          the compiler micro-benchmark, then the decoders
 *   npm run bench -- kernels [options]     the compiler micro-benchmark (bench/kernels.ts)
 *   npm run bench -- decoders [options]    the decoder benchmark (bench/decoders.ts)
 *
 * Options after the benchmark's name go to that benchmark (`-- decoders --help`). With no name,
 * each runs with its defaults (options given are passed to both).
 */
import { decodersMain } from './decoders.ts';
import { kernelsMain } from './kernels.ts';

const USAGE = `usage: npm run bench [-- kernels|decoders [options]]

  npm run bench                          the compiler micro-benchmark, then the decoders
  npm run bench -- kernels [options]     the compiler micro-benchmark (-- kernels --help)
  npm run bench -- decoders [options]    the decoder benchmark (-- decoders --help)
`;

const [first, ...rest] = process.argv.slice(2);
let status = 0;
if (first === '--help' || first === '-h') process.stdout.write(USAGE);
else if (first === 'kernels') status = kernelsMain(rest);
else if (first === 'decoders') status = await decodersMain(rest);
else {
  const argv = first === undefined ? [] : [first, ...rest];
  status = kernelsMain(argv);
  console.log('');
  status = (await decodersMain(argv)) || status;
}
process.exitCode = status;
