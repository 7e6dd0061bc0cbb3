/**
 * @fileoverview The subset checker against its fixtures (test/fixtures/subset/).
 *
 * bad/ holds one file per rule, named after the rule (<name>.ts, or <name>.d.ts for rules on
 * declaration files); each line that must be reported ends in `// error: <rule>[, <rule>]`.
 * Files starting with `_` are helpers other fixtures import; they are held to their markers
 * too. The test iterates SUBSET_RULES, so a rule cannot be added without its fixture. One
 * Program is built per fixture directory.
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSubset, SUBSET_RULES, TYPE_ERROR_CODE } from '../../compiler/check-subset.ts';
import type { Diagnostic } from '../../compiler/diagnostics.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.join(HERE, '..', 'fixtures', 'subset');
const BAD = path.join(FIXTURES, 'bad');

const codeOf = new Map<string, number>(SUBSET_RULES.map((r) => [r.name, r.code]));

/** `code@line` for every `// error: rule, rule` marker in a file. */
function expectedMarkers(file: string): string[] {
  const expected: string[] = [];
  fs.readFileSync(file, 'utf8').split('\n').forEach((text, index) => {
    const match = /\/\/ error: ([a-z0-9-]+(?:, [a-z0-9-]+)*)\s*$/.exec(text);
    if (!match) return;
    for (const name of match[1].split(', ')) {
      const code = codeOf.get(name);
      if (code === undefined) throw new Error(`${file}:${index + 1}: marker names unknown rule ${name}`);
      expected.push(`${code}@${index + 1}`);
    }
  });
  return [...new Set(expected)].sort();
}

function actualMarkers(diagnostics: Diagnostic[], file: string): string[] {
  return [...new Set(diagnostics.filter((d) => d.file === file).map((d) => `${d.code}@${d.line}`))].sort();
}

describe('check-subset rule table', () => {
  it('has unique names and codes, numbered from 101 without gaps', () => {
    expect(new Set(SUBSET_RULES.map((r) => r.name)).size).toBe(SUBSET_RULES.length);
    expect(SUBSET_RULES.map((r) => r.code)).toEqual(SUBSET_RULES.map((_, i) => 101 + i));
    for (const rule of SUBSET_RULES) {
      expect(rule.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(rule.reason.length).toBeGreaterThan(20);
    }
  });

  it('is documented in compiler/subset-rules.md, one section per rule with its code', () => {
    const doc = fs.readFileSync(path.join(HERE, '..', '..', 'compiler', 'subset-rules.md'), 'utf8');
    for (const rule of SUBSET_RULES) {
      expect(doc, rule.name).toContain(`## ES${rule.code} ${rule.name}`);
    }
  });
});

describe('check-subset bad fixtures', () => {
  let diagnostics: Diagnostic[] = [];
  const badFiles = fs.readdirSync(BAD).filter((f) => f.endsWith('.ts') && f !== 'host.d.ts');

  beforeAll(() => {
    diagnostics = checkSubset(BAD);
  });

  it('reports no type errors in the fixtures themselves', () => {
    expect(diagnostics.filter((d) => d.code === TYPE_ERROR_CODE)).toEqual([]);
  });

  it('has no fixture without a rule', () => {
    for (const file of badFiles) {
      if (file.startsWith('_')) continue;
      expect(codeOf.has(file.replace(/(\.d)?\.ts$/, '')), file).toBe(true);
    }
  });

  for (const rule of SUBSET_RULES) {
    it(`ES${rule.code} ${rule.name}: its fixture yields exactly that rule at the marked lines`, () => {
      const candidates = [`${rule.name}.ts`, `${rule.name}.d.ts`].filter((f) => badFiles.includes(f));
      expect(candidates, `missing fixture test/fixtures/subset/bad/${rule.name}.ts`).toHaveLength(1);
      const file = path.join(BAD, candidates[0]);
      const expected = expectedMarkers(file);
      expect(expected.length, 'the fixture marks no line').toBeGreaterThan(0);
      expect(expected.every((m) => m.startsWith(`${rule.code}@`)), 'a rule fixture only marks its own rule').toBe(true);
      expect(actualMarkers(diagnostics, file)).toEqual(expected);
      for (const d of diagnostics.filter((x) => x.file === file)) {
        expect(d.stage).toBe('check-subset');
        expect(d.message.startsWith(`${rule.name}: `)).toBe(true);
        expect(d.message).toContain(rule.reason);
        expect(d.column).toBeGreaterThan(0);
      }
    });
  }

  it('holds helper files and host.d.ts to their markers', () => {
    for (const file of fs.readdirSync(BAD).filter((f) => f.startsWith('_') || f === 'host.d.ts')) {
      const full = path.join(BAD, file);
      expect(actualMarkers(diagnostics, full), file).toEqual(expectedMarkers(full));
    }
  });

  it('returns diagnostics sorted by file and line, without duplicates', () => {
    const keys = diagnostics.map((d) => `${d.file}\0${String(d.line).padStart(6, '0')}\0${String(d.column).padStart(6, '0')}`);
    expect(keys).toEqual([...keys].sort());
    const full = diagnostics.map((d) => JSON.stringify(d));
    expect(new Set(full).size).toBe(full.length);
  });
});

describe('check-subset good fixture', () => {
  it('accepts every allowed construct without a diagnostic', () => {
    expect(checkSubset(path.join(FIXTURES, 'good'))).toEqual([]);
  });
});

describe('check-subset across modules', () => {
  it('reports a top-level name declared in two modules, at both places', () => {
    const dir = path.join(FIXTURES, 'duplicate');
    const diagnostics = checkSubset(dir);
    const code = codeOf.get('unique-top-level-name');
    expect(diagnostics.map((d) => [path.basename(d.file), d.code, d.line])).toEqual([
      ['first.ts', code, 1],
      ['second.ts', code, 1],
    ]);
    expect(diagnostics[0].message).toContain('second.ts:1:14');
    expect(diagnostics[1].message).toContain('first.ts:1:17');
  });
});

describe('check-subset type errors', () => {
  let dir = '';

  beforeAll(() => {
    // Written at run time: a fixture with a type error would break the project's own tsc run.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'check-subset-'));
    fs.writeFileSync(path.join(dir, 'main.ts'), [
      'export function typeErrorTwice(value: number): number {',
      '  const text: string = value;',
      '  return missingName;',
      '}',
      '',
    ].join('\n'));
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reports TypeScript errors as code 100 with their place, and keeps going', () => {
    const diagnostics = checkSubset(dir);
    expect(diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([
      [TYPE_ERROR_CODE, 2, 9],
      [TYPE_ERROR_CODE, 3, 10],
    ]);
    expect(diagnostics[0].message).toMatch(/^type-error: .*\(TS2322\)$/);
    expect(diagnostics[1].file).toBe(path.join(dir, 'main.ts'));
  });

  it('type-checks without DOM or Node globals', () => {
    fs.writeFileSync(path.join(dir, 'main.ts'), 'export function typeErrorConsole(): void {\n  console.log(1);\n}\n');
    const diagnostics = checkSubset(dir);
    expect(diagnostics.map((d) => [d.code, d.line])).toEqual([[TYPE_ERROR_CODE, 2]]);
  });
});
