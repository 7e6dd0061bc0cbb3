/**
 * Fuzz target "decompress" (fuzz/fuzz.ts) as an ordinary test: the native decompression tool on
 * mutated streams of every format, a bounded count with a fixed seed, and the regression replay
 * of every input in test/corpus/<format>/.
 *
 * Property: each input is either decoded to exactly the right bytes (the original, or what the
 * reference CLI decodes from the same bytes) or refused with `error …`, in bounded time; never a
 * trap, a signal, a hang or `ok` with wrong output. See fuzz/README.md.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { basename } from 'node:path';
import {
  buildTool, corpusFiles, formatSummary, fuzzOneFormat, FUZZ_FORMATS, replayCorpus, type FormatSummary,
} from '../../fuzz/fuzz.ts';

const COUNT = 200;
const SEED = 1;

let tool = '';

beforeAll(() => {
  tool = buildTool();
}, 600_000);

describe.each(FUZZ_FORMATS)('fuzz $name', (format) => {
  it(`${COUNT} cases (seed ${SEED}): error or the right output, never a trap, crash, hang or wrong output`, async () => {
    const summary: FormatSummary = await fuzzOneFormat(tool, { format: format.name, count: COUNT, seed: SEED, writeCorpus: false });
    console.log(formatSummary(summary));
    // The counts add up: every case ran and got exactly one verdict.
    expect(summary.cases).toBe(COUNT);
    expect(summary.decoded + summary.decodedOther + summary.refused + summary.failures.length).toBe(summary.cases);
    expect([...summary.reasons.values()].reduce((a, b) => a + b, 0)).toBe(summary.refused);
    // A run where nothing decodes or nothing is refused would prove nothing about the oracle.
    expect(summary.decoded, 'the unchanged valid streams decode').toBeGreaterThan(COUNT / 10);
    expect(summary.refused, 'most mutations are refused').toBeGreaterThan(COUNT / 3);
    expect(summary.failures.map((f) => `${f.what}: ${f.kbuild ? '[kbuild] ' : ''}${f.mutation}: ${f.detail}`)).toEqual([]);
  });

  const files = corpusFiles(format.name);
  it.skipIf(files.length === 0)(`replays test/corpus/${format.name}/ (${files.length} files, each plain and as a kbuild payload)`, async () => {
    const results = await replayCorpus(tool, format, files);
    expect(results.length).toBe(files.length * 2);
    const failures = results.filter((r) => r.verdict.kind === 'failure').map((r) => {
      const verdict = r.verdict as { what: string; detail: string };
      return `${basename(r.file)}${r.kbuild ? ' (kbuild payload)' : ''}: ${verdict.what}: ${verdict.detail}`;
    });
    expect(failures).toEqual([]);
  });
});
