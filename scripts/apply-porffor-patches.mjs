#!/usr/bin/env node
// Applies the project's own patches (patches/porffor/NNN-name.patch, in name order) to
// node_modules/porffor. Runs as the root package's postinstall, and is safe to rerun:
// node_modules/porffor/.efistub-patches records each patch applied, one name a line, and a
// patch already listed there is skipped. The patches are written against one porffor
// version, so any other version stops here instead of half-applying.
//
// Usage: node scripts/apply-porffor-patches.mjs [--porffor-dir DIR]
//   --porffor-dir  patch a copy of porffor elsewhere (tests use it); default node_modules/porffor
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PINNED_VERSION = '0.61.13';
const STAMP_FILE = '.efistub-patches';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const patchDir = path.join(root, 'patches', 'porffor');

const fail = message => {
  console.error(`efistub: setup: ${message}`);
  process.exit(1);
};

const dirFlag = process.argv.indexOf('--porffor-dir');
const porfforDir = dirFlag >= 0 ? path.resolve(process.argv[dirFlag + 1]) : path.join(root, 'node_modules', 'porffor');

let version;
try {
  version = JSON.parse(fs.readFileSync(path.join(porfforDir, 'package.json'), 'utf8')).version;
} catch (e) {
  fail(`porffor not found at ${porfforDir} (${e.message})`);
}
if (version !== PINNED_VERSION) {
  fail(`porffor ${version} installed, but patches/porffor is written for exactly ${PINNED_VERSION}; pin "porffor": "${PINNED_VERSION}" in package.json`);
}

const stampPath = path.join(porfforDir, STAMP_FILE);
const applied = new Set(fs.existsSync(stampPath) ? fs.readFileSync(stampPath, 'utf8').split('\n').filter(Boolean) : []);

const patches = fs.existsSync(patchDir) ? fs.readdirSync(patchDir).filter(x => x.endsWith('.patch')).sort() : [];
for (const file of patches) {
  const name = file.slice(0, -'.patch'.length);
  if (applied.has(name)) continue;

  const patchPath = path.join(patchDir, file);
  const runPatch = (...flags) => execFileSync('patch', [ '-p1', '--batch', '--no-backup-if-mismatch', '-r', '-', ...flags, '-i', patchPath ], { cwd: porfforDir, stdio: 'pipe' });

  // Dry run first so a patch that does not apply leaves the tree untouched.
  let forwardError = null;
  try {
    runPatch('--forward', '--dry-run');
  } catch (e) {
    forwardError = e;
  }

  if (forwardError == null) {
    runPatch('--forward');
    console.log(`efistub: setup: applied porffor patch ${name}`);
  } else {
    // Already in the tree but missing from the stamp (stamp deleted, tree copied): record it.
    try {
      runPatch('--reverse', '--dry-run');
    } catch {
      fail(`patch ${file} does not apply to ${porfforDir}:\n${forwardError.stdout?.toString() ?? ''}${forwardError.stderr?.toString() ?? ''}`);
    }
    console.log(`efistub: setup: porffor patch ${name} already present, recorded`);
  }

  applied.add(name);
  fs.appendFileSync(stampPath, name + '\n');
}
