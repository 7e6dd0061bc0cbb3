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
 *
 * With `keepTypes` (the porffor stage's typed mode: --parse-types --opt-types) the output is
 * TypeScript instead: the modules are printed back from their syntax trees with the same
 * imports and exports removed, keeping exactly the annotations porffor turns into static types
 * that are always true of the value: `number`, `boolean`, `void` and the typed-array classes,
 * on parameters, return types and variables, and `string` written as porffor's `bytestring`
 * (every string in the subset is an ASCII literal, which porffor stores as a bytestring); a
 * variable without an annotation gets the one TypeScript's checker infers for it when that is
 * one of these. Every other annotation is dropped, because porffor would trust it where it is
 * not exact: unions, interfaces. Type-only syntax
 * around expressions (`as`, `!`, `satisfies`, `<T>x`) is dropped too (porffor reads `as T` as
 * a type), and type-only declarations are removed.
 */
import ts from 'typescript';
import { readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Diagnostic } from './diagnostics.ts';
import { BMI2_LINE, NOINLINE_LINE } from './wasm-data.ts';

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

function listDeclarations(directory: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(directory).sort()) {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) found.push(...listDeclarations(path));
    else if (name.endsWith('.d.ts')) found.push(resolve(path));
  }
  return found;
}

function position(source: ts.SourceFile, node: ts.Node): { line: number; column: number } {
  const { line, character } = source.getLineAndCharacterOfPosition(node.getStart(source));
  return { line: line + 1, column: character + 1 };
}

/**
 * The switch between the two compilation modes. true: the bundle is TypeScript with its exact
 * annotations and porffor compiles it with --parse-types --opt-types (typed-array parameters
 * and number results known statically, no run-time type dispatch on them); false: the bundle
 * is JavaScript and every value carries its run-time type. The porffor stage compiles a bundle
 * in the mode it was written in (TYPED_BUNDLE_MARKER), so the two cannot disagree.
 */
export const TYPED_BY_DEFAULT = true;
/** First characters of a typed bundle (compiler/porffor.ts looks for them). */
export const TYPED_BUNDLE_MARKER = '// efistub typed bundle:';

/** Annotations porffor's typed mode may see (see the file overview): the rest are dropped. */
const EXACT_TYPE_NAMES = new Set(['Uint8Array', 'Int8Array', 'Uint16Array', 'Int16Array', 'Uint32Array', 'Int32Array']);

function exactType(type: ts.TypeNode | undefined): ts.TypeNode | undefined {
  if (!type) return undefined;
  if (type.kind === ts.SyntaxKind.NumberKeyword || type.kind === ts.SyntaxKind.BooleanKeyword ||
      type.kind === ts.SyntaxKind.VoidKeyword || type.kind === ts.SyntaxKind.BigIntKeyword) return type;
  if (ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName) && !type.typeArguments &&
      EXACT_TYPE_NAMES.has(type.typeName.text)) return type;
  if (type.kind === ts.SyntaxKind.StringKeyword) return bytestringType();
  return undefined;
}

/**
 * porffor's type for the stub's strings. Every string in stub-src is a literal of printable
 * ASCII (ES110), which porffor stores as a bytestring; so `string` is exact as `bytestring`, and
 * with it `.length` and `.charCodeAt` compile to a byte read instead of a property lookup through
 * porffor's generic object code (which pulled ~30 KB of builtins into the stub).
 */
function bytestringType(): ts.TypeNode {
  return ts.factory.createTypeReferenceNode('bytestring');
}

/**
 * The exact annotation for a variable TypeScript infers a type for (`let i = 0`, `const table =
 * crcTable`): number (also a number literal or a union of them, as `const` gets), boolean, or a
 * typed-array class; undefined for anything else. Only declarations with an initializer: a
 * variable declared without one is `undefined` until assigned.
 */
function inferredExactType(checker: ts.TypeChecker, declaration: ts.VariableDeclaration): ts.TypeNode | undefined {
  if (!declaration.initializer || !ts.isIdentifier(declaration.name)) return undefined;
  const type = checker.getTypeAtLocation(declaration.name);
  const members = type.isUnion() ? type.types : [type];
  if (members.every((member) => (member.flags & ts.TypeFlags.NumberLike) !== 0 && !(member.flags & ts.TypeFlags.EnumLike))) {
    return ts.factory.createKeywordTypeNode(ts.SyntaxKind.NumberKeyword);
  }
  if (members.every((member) => (member.flags & ts.TypeFlags.BooleanLike) !== 0)) {
    return ts.factory.createKeywordTypeNode(ts.SyntaxKind.BooleanKeyword);
  }
  if (members.every((member) => (member.flags & ts.TypeFlags.StringLike) !== 0)) return bytestringType();
  if (members.every((member) => (member.flags & ts.TypeFlags.BigIntLike) !== 0)) {
    return ts.factory.createKeywordTypeNode(ts.SyntaxKind.BigIntKeyword);
  }
  const name = type.isUnion() ? undefined : type.getSymbol()?.getName();
  if (name && EXACT_TYPE_NAMES.has(name)) return ts.factory.createTypeReferenceNode(name);
  return undefined;
}

/**
 * For typed output: keeps only exact annotations, adds the exact annotation TypeScript infers
 * for unannotated variables (so porffor knows `let sum = 0` is a number and `+` on it needs no
 * string check), unwraps type-only expression syntax.
 */
function keepExactTypes(checker: ts.TypeChecker): ts.TransformerFactory<ts.SourceFile> {
  return (context) => (file) => {
    const f = context.factory;
    const visit = (node: ts.Node): ts.Node | undefined => {
      if (ts.isVariableDeclaration(node) && !node.type) {
        const inferred = inferredExactType(checker, node);
        const next = ts.visitEachChild(node, visit, context);
        return f.updateVariableDeclaration(next, next.name, next.exclamationToken, inferred, next.initializer);
      }
      if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) return undefined;
      if (ts.isAsExpression(node) || ts.isNonNullExpression(node) || ts.isSatisfiesExpression(node) ||
          ts.isTypeAssertionExpression(node)) {
        return f.createParenthesizedExpression(ts.visitNode(node.expression, visit) as ts.Expression);
      }
      const next = ts.visitEachChild(node, visit, context);
      if (ts.isParameter(next)) {
        return f.updateParameterDeclaration(next, next.modifiers, next.dotDotDotToken, next.name, next.questionToken,
          exactType(next.type), next.initializer);
      }
      if (ts.isVariableDeclaration(next)) {
        return f.updateVariableDeclaration(next, next.name, next.exclamationToken, exactType(next.type), next.initializer);
      }
      if (ts.isFunctionDeclaration(next)) {
        return f.updateFunctionDeclaration(next, next.modifiers, next.asteriskToken, next.name, undefined,
          next.parameters, exactType(next.type), next.body);
      }
      if (ts.isFunctionExpression(next)) {
        return f.updateFunctionExpression(next, next.modifiers, next.asteriskToken, next.name, undefined,
          next.parameters, exactType(next.type), next.body);
      }
      if (ts.isArrowFunction(next)) {
        return f.updateArrowFunction(next, next.modifiers, undefined, next.parameters, exactType(next.type),
          next.equalsGreaterThanToken, next.body);
      }
      return next;
    };
    return ts.visitEachChild(file, visit, context);
  };
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
 * Bundles the modules reachable from `entryPath` into `outputPath`: typed TypeScript when
 * `keepTypes` (default TYPED_BY_DEFAULT), JavaScript otherwise.
 * Returns diagnostics; the output is written only when there are none.
 */
export function bundleStub(sourceDir: string, entryPath: string, outputPath: string,
  options: { keepTypes?: boolean } = {}): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const all = new Set(listSources(sourceDir).map((p) => resolve(p)));
  const entry = resolve(entryPath);
  if (!all.has(entry)) {
    return [{ stage: STAGE, code: BUNDLE_NO_ENTRY, file: entryPath, line: 0, column: 0,
      message: `entry module not found in ${sourceDir}` }];
  }

  const keepTypes = options.keepTypes ?? TYPED_BY_DEFAULT;
  // Typed output asks TypeScript's checker for the types of unannotated variables.
  const program = keepTypes ? ts.createProgram([...all, ...listDeclarations(sourceDir)], {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true, noEmit: true, skipLibCheck: true, types: [],
  }) : undefined;
  const modules = new Map<string, Module>();
  const load = (path: string): Module => {
    const known = modules.get(path);
    if (known) return known;
    const source = program?.getSourceFile(path) ?? ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true);
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

  const parts: string[] = [(keepTypes ? TYPED_BUNDLE_MARKER + ' ' : '// ') + 'Generated by efistub (compiler/bundle.ts) from ' +
    relative(process.cwd(), sourceDir) + '. Do not edit.'];
  // The checker binds the program's files, which sets the parent links JSDoc lookups follow.
  program?.getTypeChecker();
  const tagged = (tagName: string): string[] => order.flatMap((module) => module.source.statements.filter((statement) =>
    ts.isFunctionDeclaration(statement) && statement.name !== undefined &&
    ts.getJSDocTags(statement).some((tag) => tag.tagName.text === tagName))
    .map((statement) => (statement as ts.FunctionDeclaration).name!.text));
  const noinline = tagged('noinline');
  if (noinline.length) parts.push(`${NOINLINE_LINE} ${noinline.join(' ')}`);
  const bmi2 = tagged('bmi2');
  if (bmi2.length) parts.push(`${BMI2_LINE} ${bmi2.join(' ')}`);
  for (const module of order) {
    if (keepTypes) {
      const result = ts.transform(module.source, [stripModuleSyntax(module.path === entry), keepExactTypes(program!.getTypeChecker())]);
      const text = ts.createPrinter({ removeComments: true }).printFile(result.transformed[0]).trim();
      result.dispose();
      parts.push(`// --- ${relative(sourceDir, module.path)}`, text);
      continue;
    }
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
