/**
 * @fileoverview Diagnostics shared by every compiler stage.
 *
 * A stage never throws for a problem in its input: it returns Diagnostic entries, and the CLI
 * prints them as `file:line:col: error ES<code>: message [stage]` so an editor can jump to the
 * place and a user can tell which stage failed. Codes are API (tests assert them); messages are
 * for humans.
 */

export type Stage =
  | 'check-subset'
  | 'bundle'
  | 'porffor'
  | 'validate'
  | 'wasm2c'
  | 'link'
  | 'pe-writer'
  | 'run'
  | 'decompress'
  | 'extract'
  | 'pe-inspect'
  | 'setup'
  | 'setup-header'
  | 'recompress'
  | 'esp';

export interface Diagnostic {
  stage: Stage;
  /** Numeric code, stable across releases; printed as ES<code>. */
  code: number;
  /** Path of the file the problem is in (the stage's input when there is no better place). */
  file: string;
  /** 1-based; 0 when unknown. */
  line: number;
  /** 1-based; 0 when unknown. */
  column: number;
  message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.column}` : d.file;
  return `${where}: error ES${d.code}: ${d.message} [${d.stage}]`;
}

/** Thrown by the CLI layer only, to end a run whose stage returned diagnostics. */
export class StageFailed extends Error {
  constructor(public readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
  }
}
