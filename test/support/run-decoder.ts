/**
 * @fileoverview Runs a stub decoder (TypeScript, in Node) in a worker thread with a timeout, so
 * a decoder that hangs on hostile input fails its test instead of freezing the suite.
 *
 *   const r = await runDecoder('gzip', 'gzipDecode', input, capacity, 10_000);
 *   r.status, r.reason, r.inputOffset, r.output (exactly outputLength bytes on success)
 *   const runs = await runDecoderBatch('gzip', 'gzipDecode', [{ input, capacity }, …], 60_000);
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const stubDecompressDir = join(here, '..', '..', 'stub-src', 'decompress');

export interface DecodeRun {
  /** Folded EFI status, as an unsigned number (0 = success). */
  status: number;
  reason: number;
  inputOffset: number;
  output: Uint8Array;
  timedOut: boolean;
  milliseconds: number;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  // Worker threads do not inherit the parent's TypeScript loader: register tsx here.
  const { register } = await import(workerData.tsxApi);
  register();
  await import(workerData.hintsPath);
  const module = await import(workerData.modulePath);
  const result = await import(workerData.resultPath);
  const runs = [];
  for (const job of workerData.jobs) {
    const input = new Uint8Array(job.input);
    const output = new Uint8Array(new ArrayBuffer(job.capacity));
    const started = performance.now();
    const status = module[workerData.functionName](input, input.length, output, job.capacity) >>> 0;
    const milliseconds = performance.now() - started;
    const length = result.decodeResult[result.DECODE_OUTPUT_LENGTH];
    runs.push({ status, reason: result.decodeResult[result.DECODE_REASON],
      inputOffset: result.decodeResult[result.DECODE_INPUT_OFFSET],
      output: output.slice(0, status === 0 ? length : 0), milliseconds, timedOut: false });
  }
  parentPort.postMessage({ runs }, runs.map((r) => r.output.buffer));
})().catch((error) => parentPort.postMessage({ error: String(error && error.stack || error) }));
`;

/** Decodes `input` with stub-src/decompress/<module>.ts's `functionName` in a fresh worker. */
export async function runDecoder(moduleName: string, functionName: string, input: Uint8Array, capacity: number,
  timeoutMs = 30_000): Promise<DecodeRun> {
  const [run] = await runDecoderBatch(moduleName, functionName, [{ input, capacity }], timeoutMs);
  return run;
}

/**
 * Decodes many inputs in one worker (start-up is paid once). On timeout every run of the batch
 * reports timedOut: split a batch to find the input that hangs.
 */
export function runDecoderBatch(moduleName: string, functionName: string,
  jobs: { input: Uint8Array; capacity: number }[], timeoutMs = 30_000): Promise<DecodeRun[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        // The ESM build of tsx's API: its CommonJS build cannot register hooks inside a worker.
        tsxApi: pathToFileURL(join(dirname(require.resolve('tsx/package.json')), 'dist', 'esm', 'api', 'index.mjs')).href,
        modulePath: pathToFileURL(join(stubDecompressDir, `${moduleName}.ts`)).href,
        resultPath: pathToFileURL(join(stubDecompressDir, 'result.ts')).href,
        hintsPath: pathToFileURL(join(here, 'host-hints.ts')).href,
        functionName,
        jobs: jobs.map((job) => ({ input: job.input.slice(), capacity: job.capacity })),
      },
    });
    const timer = setTimeout(() => {
      void worker.terminate();
      resolve(jobs.map(() => ({ status: -1, reason: -1, inputOffset: -1, output: new Uint8Array(0), timedOut: true,
        milliseconds: timeoutMs })));
    }, timeoutMs);
    worker.once('message', (message) => {
      clearTimeout(timer);
      void worker.terminate();
      if (message.error) reject(new Error(message.error));
      else resolve(message.runs.map((run: DecodeRun) => ({ ...run, output: new Uint8Array(run.output) })));
    });
    worker.once('error', (error) => { clearTimeout(timer); reject(error); });
  });
}
