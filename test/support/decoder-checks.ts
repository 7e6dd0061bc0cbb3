/**
 * @fileoverview The checks every decoder suite makes on a worker run (test/support/run-decoder.ts):
 * success with exactly the expected bytes, failure with exactly the expected status and reason
 * (compared with the reason texts, so a mismatch reads as words), and the large-input check
 * with its throughput line (the stub beside the reference CLI on the same file).
 *
 *   const { decodeAll, expectSuccess, expectFailure } = decoderChecks('lz4', 'lz4Decode', lz4ReasonText);
 *   await expectLargeDecode({ label, moduleName: 'xz', functionName: 'xzDecode', compressed, expected,
 *     cli: 'xz', cliArgs: ['-dc', '-T1'] });
 */
import { expect } from 'vitest';
import { timedCliDecode } from './reference-cli.ts';
import { type DecodeRun, runDecoder, runDecoderBatch } from './run-decoder.ts';

export interface DecoderChecks {
  /** Decodes every input in one worker, which times out after `timeoutMs`. */
  decodeAll(inputs: { input: Uint8Array; capacity: number }[]): Promise<DecodeRun[]>;
  /** Status 0, reason 0, and the output equal to `expected` byte for byte. */
  expectSuccess(run: DecodeRun, expected: Uint8Array, name: string): void;
  /** Exactly `status` (as the worker folds it, unsigned) and `reason`. */
  expectFailure(run: DecodeRun, status: number, reason: number, name: string): void;
}

/** The checks for stub-src/decompress/<moduleName>.ts's `functionName`, whose reasons `reasonText` names. */
export function decoderChecks(moduleName: string, functionName: string, reasonText: (reason: number) => string,
  timeoutMs = 60_000): DecoderChecks {
  return {
    decodeAll: (inputs) => runDecoderBatch(moduleName, functionName, inputs, timeoutMs),
    expectSuccess(run, expected, name) {
      expect(run.timedOut, name).toBe(false);
      expect({ name, status: run.status, reason: run.reason, text: reasonText(run.reason) })
        .toEqual({ name, status: 0, reason: 0, text: reasonText(0) });
      expect(run.output.length, name).toBe(expected.length);
      expect(Buffer.from(run.output).equals(Buffer.from(expected.buffer, expected.byteOffset, expected.length)), name).toBe(true);
    },
    expectFailure(run, status, reason, name) {
      expect(run.timedOut, name).toBe(false);
      expect({ name, status: run.status, reason: run.reason, text: reasonText(run.reason) })
        .toEqual({ name, status: status >>> 0, reason, text: reasonText(reason) });
    },
  };
}

/** A large run decoded: no timeout, status 0, and exactly `expected`. */
export function expectDecoded(run: DecodeRun, expected: Uint8Array, name: string): void {
  expect(run.timedOut, name).toBe(false);
  expect({ name, status: run.status, reason: run.reason, inputOffset: run.inputOffset })
    .toMatchObject({ name, status: 0, reason: 0 });
  expect(run.output.length, name).toBe(expected.length);
  expect(Buffer.from(run.output).equals(Buffer.from(expected.buffer, expected.byteOffset, expected.length)), name).toBe(true);
}

/**
 * Prints the TypeScript decoder's throughput beside the reference CLI's on the same file (the
 * CLI's time includes its process start). Printed, not asserted: the machines are shared.
 */
export function printThroughput(label: string, { bytes, compressedBytes, decoderMilliseconds, cli, cliMilliseconds }: {
  bytes: number; compressedBytes: number; decoderMilliseconds: number; cli: string; cliMilliseconds: number;
}): void {
  const megabytes = bytes / 1e6;
  const ours = megabytes / (decoderMilliseconds / 1000);
  const theirs = megabytes / (cliMilliseconds / 1000);
  console.log(`${label}: ${megabytes.toFixed(1)} MB from ${(compressedBytes / 1e6).toFixed(1)} MB; ` +
    `TS decoder in Node ${ours.toFixed(1)} MB/s (${decoderMilliseconds.toFixed(0)} ms), ` +
    `${cli} ${theirs.toFixed(1)} MB/s (${cliMilliseconds.toFixed(0)} ms, ${(ours / theirs).toFixed(2)}x)`);
}

/**
 * The large-input check: `cli cliArgs` (e.g. `bzip2 -dc`) must turn `compressed` back into
 * `expected`, and so must stub-src/decompress/<moduleName>.ts's `functionName` in a worker; then
 * both throughputs are printed. `cliInput` is what the CLI reads when it differs from what the
 * stub reads (kbuild's size trailer, which the stub's caller strips and the CLIs refuse).
 */
export async function expectLargeDecode({ label, moduleName, functionName, compressed, expected, cli, cliArgs,
  cliInput = compressed, timeoutMs = 300_000 }: {
  label: string; moduleName: string; functionName: string; compressed: Uint8Array; expected: Uint8Array;
  cli: string; cliArgs: string[]; cliInput?: Uint8Array; timeoutMs?: number;
}): Promise<void> {
  const reference = timedCliDecode(cli, cliArgs, cliInput);
  expect(reference.status, `${cli} ${cliArgs.join(' ')}`).toBe(0);
  expect(reference.output.equals(expected), `${cli} ${cliArgs.join(' ')} output`).toBe(true);
  const run = await runDecoder(moduleName, functionName, compressed, expected.length, timeoutMs);
  expectDecoded(run, expected, label);
  printThroughput(label, { bytes: expected.length, compressedBytes: compressed.length,
    decoderMilliseconds: run.milliseconds, cli: `${cli} ${cliArgs.join(' ')}`, cliMilliseconds: reference.milliseconds });
}
