#!/usr/bin/env node
// Applies the project's own patches (patches/porffor/NNN-name.patch, in name order) to
// node_modules/porffor. Runs as the root package's postinstall, and is safe to rerun.
//
// State kept inside the porffor package, so a reinstall of porffor resets it:
//   .efistub-patches     the names of the applied patches, in order, one a line
//   .efistub-patches.d/  a copy of each applied patch as it was applied
// On a rerun, patches already applied and unchanged are skipped. If a patch file was edited,
// renamed or removed since, the applied patches from the last one back to that one are
// reverse-applied from their saved copies, and the current patches applied from there on, so
// editing a patch during development needs no reinstall.
//
// The patches are written against one porffor version: any other version stops here, before
// anything is changed.
//
// Usage: node scripts/apply-porffor-patches.mjs [--porffor-dir DIR]
//   --porffor-dir  patch a copy of porffor elsewhere; default node_modules/porffor
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PINNED_VERSION = '0.61.13';
const STAMP_FILE = '.efistub-patches';
const SAVED_DIR = '.efistub-patches.d';

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
const savedDir = path.join(porfforDir, SAVED_DIR);
const savedPath = name => path.join(savedDir, `${name}.patch`);

const runPatch = (patchPath, ...flags) => execFileSync('patch', [ '-p1', '--batch', '--no-backup-if-mismatch', '-r', '-', ...flags, '-i', patchPath ], { cwd: porfforDir, stdio: 'pipe' });
const patchOutput = e => `${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`;

const writeStamp = names => fs.writeFileSync(stampPath, names.map(x => x + '\n').join(''));

const wanted = (fs.existsSync(patchDir) ? fs.readdirSync(patchDir) : [])
  .filter(x => x.endsWith('.patch')).sort()
  .map(file => ({ name: file.slice(0, -'.patch'.length), text: fs.readFileSync(path.join(patchDir, file), 'utf8') }));
const applied = fs.existsSync(stampPath) ? fs.readFileSync(stampPath, 'utf8').split('\n').filter(Boolean) : [];

// The applied prefix that still matches the patch files; a patch applied before saved copies
// existed has none and is taken as unchanged.
let keep = 0;
while (keep < applied.length && keep < wanted.length && applied[keep] === wanted[keep].name &&
       (!fs.existsSync(savedPath(applied[keep])) || fs.readFileSync(savedPath(applied[keep]), 'utf8') === wanted[keep].text)) keep++;

// Undo the rest, newest first.
for (let i = applied.length - 1; i >= keep; i--) {
  const name = applied[i];
  if (!fs.existsSync(savedPath(name))) fail(`porffor patch ${name} changed since it was applied and no copy of the applied version is kept; reinstall porffor (rm -rf node_modules/porffor && npm ci)`);
  try {
    runPatch(savedPath(name), '--reverse', '--dry-run');
    runPatch(savedPath(name), '--reverse');
  } catch (e) {
    fail(`could not undo porffor patch ${name} to reapply it; reinstall porffor (rm -rf node_modules/porffor && npm ci):\n${patchOutput(e)}`);
  }
  fs.rmSync(savedPath(name));
  writeStamp(applied.slice(0, i));
  console.log(`efistub: setup: undid porffor patch ${name} (changed or removed)`);
}

const done = applied.slice(0, keep);
for (const { name, text } of wanted.slice(keep)) {
  const patchPath = path.join(patchDir, `${name}.patch`);

  // Dry run first so a patch that does not apply leaves the tree untouched.
  try {
    runPatch(patchPath, '--forward', '--dry-run');
  } catch (forwardError) {
    // Already in the tree but missing from the stamp (stamp deleted, tree copied): record it.
    try {
      runPatch(patchPath, '--reverse', '--dry-run');
    } catch {
      fail(`patch ${name}.patch does not apply to ${porfforDir}:\n${patchOutput(forwardError)}`);
    }
    console.log(`efistub: setup: porffor patch ${name} already present, recorded`);
    fs.mkdirSync(savedDir, { recursive: true });
    fs.writeFileSync(savedPath(name), text);
    done.push(name);
    writeStamp(done);
    continue;
  }

  runPatch(patchPath, '--forward');
  fs.mkdirSync(savedDir, { recursive: true });
  fs.writeFileSync(savedPath(name), text);
  done.push(name);
  writeStamp(done);
  console.log(`efistub: setup: applied porffor patch ${name}`);
}
