/**
 * @fileoverview Reads the host boundary (stub-src/host.d.ts) into a list of Wasm imports.
 *
 * host.d.ts is the only place the host functions are declared. The porffor stage registers one
 * import per declaration from this list, the Wasm-in-Node simulator adapter converts arguments
 * by each parameter's kind, and the C runtimes implement `w2c_host_<field>`; a function missing
 * from any of them fails the build or the tests instead of drifting silently.
 */
import ts from 'typescript';
import { readFileSync } from 'node:fs';

/** How a parameter crosses the boundary: a number, a heap buffer, or a string literal. */
export type HostParamKind = 'number' | 'bytes' | 'words' | 'string';

export interface HostImport {
  /** The identifier stub code calls, e.g. hostPhysRead32. */
  name: string;
  wasmModule: 'host';
  /** The import's field name: the identifier without `host`, first letter lower-cased. */
  wasmField: string;
  params: { name: string; kind: HostParamKind }[];
  returnsValue: boolean;
}

const KIND_BY_TYPE: Record<string, HostParamKind> = {
  number: 'number',
  Uint8Array: 'bytes',
  Uint32Array: 'words',
  string: 'string',
};

export function hostFieldName(name: string): string {
  const rest = name.slice('host'.length);
  return rest.charAt(0).toLowerCase() + rest.slice(1);
}

/** Parses host.d.ts; throws with file:line on a declaration outside the boundary's rules. */
export function readHostImports(hostDtsPath: string): HostImport[] {
  const text = readFileSync(hostDtsPath, 'utf8');
  const source = ts.createSourceFile(hostDtsPath, text, ts.ScriptTarget.ES2022, true);
  const imports: HostImport[] = [];
  const where = (node: ts.Node): string => {
    const { line, character } = source.getLineAndCharacterOfPosition(node.getStart());
    return `${hostDtsPath}:${line + 1}:${character + 1}`;
  };
  for (const statement of source.statements) {
    if (!ts.isFunctionDeclaration(statement) || !statement.name) {
      throw new Error(`${where(statement)}: host.d.ts may only declare functions`);
    }
    const name = statement.name.text;
    if (!/^host[A-Z]/.test(name)) {
      throw new Error(`${where(statement)}: host function ${name} must be named host<Name>`);
    }
    const params = statement.parameters.map((parameter) => {
      const typeText = parameter.type?.getText(source) ?? '';
      const kind = KIND_BY_TYPE[typeText];
      if (!kind) {
        throw new Error(`${where(parameter)}: parameter type '${typeText}' cannot cross the host boundary`);
      }
      return { name: parameter.name.getText(source), kind };
    });
    const returnText = statement.type?.getText(source) ?? '';
    if (returnText !== 'number' && returnText !== 'void') {
      throw new Error(`${where(statement)}: host functions return number or void, not '${returnText}'`);
    }
    imports.push({ name, wasmModule: 'host', wasmField: hostFieldName(name), params, returnsValue: returnText === 'number' });
  }
  return imports;
}
