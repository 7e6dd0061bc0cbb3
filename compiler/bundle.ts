/**
 * @fileoverview Stage "bundle": stub-src/*.ts → out/stub.js, one script for porffor.
 *
 * porffor compiles a single source text, so the stub's modules are transpiled one by one
 * (types erased by TypeScript itself) and concatenated, dependencies first, with their import
 * declarations and `export` keywords removed. Module top-level code runs in that order, so
 * tables a module builds at load are ready before a dependent module's top level uses them.
 * Only the entry module's exports stay exported: they become the Wasm exports (efiMain).
 *
 * This works because the subset checker guarantees what concatenation needs: named relative
 * imports without renaming, and top-level names unique across all modules.
 */
import ts from 'typescript';
import { readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Diagnostic } from './diagnostics.ts';

const STAGE = 'bundle' as const;
export const BUNDLE_IMPORT_NOT_FOUND = 201;
export const BUNDLE_IMPORT_CYCLE = 202;
export const BUNDLE_IMPORT_FORM = 203;
export const BUNDLE_NO_ENTRY = 204;

interface Module {
  path: string;
  source: ts.SourceFile;
  dependencies: string[];
}

function listSources(directory: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(directory).sort()) {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) found.push(...listSources(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) found.push(path);
  }
  return found;
}

function position(source: ts.SourceFile, node: ts.Node): { line: number; column: number } {
  const { line, character } = source.getLineAndCharacterOfPosition(node.getStart(source));
  return { line: line + 1, column: character + 1 };
}

/** Removes imports, and `export` everywhere except in the entry module. */
function stripModuleSyntax(keepExports: boolean): ts.TransformerFactory<ts.SourceFile> {
  return (context) => (file) => {
    const statements: ts.Statement[] = [];
    for (const statement of file.statements) {
      if (ts.isImportDeclaration(statement)) continue;
      if (ts.isExportDeclaration(statement)) continue;
      if (!keepExports && ts.canHaveModifiers(statement)) {
        const modifiers = ts.getModifiers(statement);
        if (modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
          const kept = modifiers.filter((m) => m.kind !== ts.SyntaxKind.ExportKeyword);
          if (ts.isFunctionDeclaration(statement)) {
            statements.push(context.factory.updateFunctionDeclaration(statement, kept, statement.asteriskToken,
              statement.name, statement.typeParameters, statement.parameters, statement.type, statement.body));
            continue;
          }
          if (ts.isVariableStatement(statement)) {
            statements.push(context.factory.updateVariableStatement(statement, kept, statement.declarationList));
            continue;
          }
        }
      }
      statements.push(statement);
    }
    return context.factory.updateSourceFile(file, statements);
  };
}

/**
 * Bundles the modules reachable from `entryPath` into `outputPath`.
 * Returns diagnostics; the output is written only when there are none.
 */
export function bundleStub(sourceDir: string, entryPath: string, outputPath: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const all = new Set(listSources(sourceDir).map((p) => resolve(p)));
  const entry = resolve(entryPath);
  if (!all.has(entry)) {
    return [{ stage: STAGE, code: BUNDLE_NO_ENTRY, file: entryPath, line: 0, column: 0,
      message: `entry module not found in ${sourceDir}` }];
  }

  const modules = new Map<string, Module>();
  const load = (path: string): Module => {
    const known = modules.get(path);
    if (known) return known;
    const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true);
    const module: Module = { path, source, dependencies: [] };
    modules.set(path, module);
    for (const statement of source.statements) {
      if (!ts.isImportDeclaration(statement)) continue;
      const specifier = (statement.moduleSpecifier as ts.StringLiteral).text;
      const where = position(source, statement);
      if (!specifier.startsWith('./') && !specifier.startsWith('../')) {
        diagnostics.push({ stage: STAGE, code: BUNDLE_IMPORT_FORM, file: path, ...where,
          message: `import '${specifier}' is not relative: the stub can only import its own modules` });
        continue;
      }
      const bindings = statement.importClause?.namedBindings;
      if (statement.importClause?.name || (bindings && !ts.isNamedImports(bindings)) ||
          (bindings && ts.isNamedImports(bindings) && bindings.elements.some((e) => e.propertyName))) {
        diagnostics.push({ stage: STAGE, code: BUNDLE_IMPORT_FORM, file: path, ...where,
          message: 'only named imports without renaming can be bundled' });
      }
      const target = resolve(dirname(path), specifier.replace(/\.ts$/, '') + '.ts');
      if (!all.has(target)) {
        diagnostics.push({ stage: STAGE, code: BUNDLE_IMPORT_NOT_FOUND, file: path, ...where,
          message: `cannot find module '${specifier}' (looked for ${relative(process.cwd(), target)})` });
        continue;
      }
      module.dependencies.push(target);
    }
    return module;
  };

  // Depth-first post-order: every module after the modules it imports.
  const order: Module[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (path: string, chain: string[]): void => {
    if (state.get(path) === 'done') return;
    if (state.get(path) === 'visiting') {
      const cycle = [...chain.slice(chain.indexOf(path)), path].map((p) => relative(sourceDir, p));
      diagnostics.push({ stage: STAGE, code: BUNDLE_IMPORT_CYCLE, file: path, line: 0, column: 0,
        message: `import cycle: ${cycle.join(' → ')} (module top levels need an order)` });
      return;
    }
    state.set(path, 'visiting');
    const module = load(path);
    for (const dependency of module.dependencies) visit(dependency, [...chain, path]);
    state.set(path, 'done');
    order.push(module);
  };
  visit(entry, []);
  if (diagnostics.length) return diagnostics;

  const parts: string[] = ['// Generated by efistub (compiler/bundle.ts) from ' + relative(process.cwd(), sourceDir) + '. Do not edit.'];
  for (const module of order) {
    const output = ts.transpileModule(module.source.text, {
      fileName: module.path,
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, removeComments: true,
        verbatimModuleSyntax: false, isolatedModules: true },
      transformers: { before: [stripModuleSyntax(module.path === entry)] },
    });
    const text = output.outputText.replace(/^export \{\};\s*$/m, '').trim();
    parts.push(`// --- ${relative(sourceDir, module.path)}`, text);
  }
  mkdirSync(dirname(outputPath), { recursive: true });
  writeFileSync(outputPath, parts.join('\n') + '\n');
  return [];
}
