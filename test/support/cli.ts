/**
 * @fileoverview Runs the `efistub` command as a user does (node bin/efistub.js …), without
 * blocking the test worker: a long synchronous child starves vitest's RPC and fails the run.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from './build-fixture.ts';

export const efistubBin = join(projectRoot, 'bin', 'efistub.js');

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], cwd: string = projectRoot): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [efistubBin, ...args], { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
