/**
 * @fileoverview Running the external tools of the pipeline (wasm-validate, wasm2c, clang,
 * lld-link) with one error shape: a missing tool names the Debian package that provides it and
 * the script that installs it; a failing tool's last lines of output become the diagnostic.
 */
import { spawnSync } from 'node:child_process';
import type { Diagnostic, Stage } from './diagnostics.ts';

export const TOOL_MISSING = 801;

const PACKAGE_OF: Record<string, string> = {
  'wasm-validate': 'wabt',
  wasm2c: 'wabt',
  clang: 'clang',
  'lld-link': 'lld',
  'qemu-system-x86_64': 'qemu-system-x86',
};

export interface ToolRun {
  ok: boolean;
  stdout: string;
  stderr: string;
  diagnostics: Diagnostic[];
}

/** Runs `tool args`; on failure returns a diagnostic with `failureCode` naming `file`. */
export function runTool(stage: Stage, failureCode: number, file: string, tool: string, args: string[],
  what: string): ToolRun {
  const child = spawnSync(tool, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (child.error && (child.error as NodeJS.ErrnoException).code === 'ENOENT') {
    const pkg = PACKAGE_OF[tool] ?? tool;
    return { ok: false, stdout: '', stderr: '', diagnostics: [{ stage, code: TOOL_MISSING, file, line: 0, column: 0,
      message: `${tool} not found: install Debian package '${pkg}' (scripts/install-deps.sh installs everything)` }] };
  }
  if (child.status !== 0) {
    const output = `${child.stderr}\n${child.stdout}`.trim().split('\n').filter(Boolean);
    const signal = child.signal ? ` (killed by ${child.signal})` : '';
    const detail = output.slice(-8).join('\n  ') || `exit status ${child.status}${signal}`;
    return { ok: false, stdout: child.stdout, stderr: child.stderr, diagnostics: [{ stage, code: failureCode, file,
      line: 0, column: 0, message: `${what} failed${signal}:\n  ${detail}` }] };
  }
  return { ok: true, stdout: child.stdout, stderr: child.stderr, diagnostics: [] };
}
