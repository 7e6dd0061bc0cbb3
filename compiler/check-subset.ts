/**
 * @fileoverview The subset checker: the first compiler stage, run on stub-src/ before anything
 * is bundled or handed to porffor.
 *
 * The stub is written in a small subset of TypeScript that means the same thing in Node (the
 * simulator tests), in porffor's Wasm (compiled with `--valtype=i32`) and in the wasm2c C
 * build. porffor 0.61.13 gets many JavaScript features wrong or makes them slow; instead of
 * finding that out from a miscompiled boot, this stage refuses them with a file:line message
 * that names the rule and says why. The rules, their codes and the reasons live in
 * SUBSET_RULES below; compiler/subset-rules.md shows a bad and a good example of each, and
 * test/fast/check-subset.test.ts runs one fixture per rule from test/fixtures/subset/.
 *
 * How it works: one ts.Program over every *.ts file under the source directory (the *.d.ts
 * files there declare the host functions), strict type-checking (code 100), then one walk over
 * each file's syntax tree with the type checker at hand. Every rule is a syntactic shape plus,
 * where needed, a type or symbol question the checker answers exactly; there are no
 * heuristics on names. All problems are collected, sorted by place and de-duplicated.
 */

import * as path from 'node:path';
import ts from 'typescript';
import type { Diagnostic } from './diagnostics.ts';

export interface SubsetRule {
  /** Stable diagnostic code, printed as ES<code>. */
  readonly code: number;
  /** kebab-case name; every message starts with it. */
  readonly name: string;
  /** Why the rule exists and what to write instead; appended to every message. */
  readonly reason: string;
}

/** Code of a TypeScript error (syntax or type) found while building the Program. */
export const TYPE_ERROR_CODE = 100;

/** The typed arrays the stub may use: the integer ones porffor lowers to plain loads and stores. */
export const TYPED_ARRAYS: readonly string[] = [
  'Uint8Array', 'Int8Array', 'Uint16Array', 'Int16Array', 'Uint32Array', 'Int32Array',
];

/** Host functions are declared in *.d.ts files of the source directory with this prefix. */
export const HOST_PREFIX = 'host';

/**
 * The rule table. Codes are API: append new rules at the end, never renumber. Each rule has a
 * fixture test/fixtures/subset/bad/<name>.ts; the test iterates this table.
 */
export const SUBSET_RULES = [
  {
    code: 101, name: 'no-closure',
    reason: 'porffor miscompiles closures over mutable locals (writes through them are lost); declare the function at module level and pass what it needs as parameters',
  },
  {
    code: 102, name: 'no-class',
    reason: 'classes, `this` and `super` need objects, which the stub does not have; use module-level functions over typed arrays',
  },
  {
    code: 103, name: 'no-exceptions',
    reason: 'porffor\'s try/finally is broken and exceptions become Wasm exception tags the EFI runtime cannot recover from; return a status code instead',
  },
  {
    code: 104, name: 'u64-bigint',
    reason: 'BigInt is only an unsigned 64-bit integer in a function\'s local (porffor patch 018 compiles it to an i64 local; porffor\'s BigInt objects are broken): `+ - * <<` inside `BigInt.asUintN(64, ...)`, `& | ^`, `>>` of a wrapped value, shift counts 0n..63n or `BigInt(n & 63)`, in from `BigInt(x >>> 0)`, out by `Number(BigInt.asUintN(32, e))`; anything else carries 64-bit values as two 32-bit halves (lo, hi)',
  },
  {
    code: 105, name: 'no-object-literal',
    reason: 'objects are heap maps behind porffor\'s dynamic type switches; keep state in typed arrays with named index constants',
  },
  {
    code: 106, name: 'no-array-literal',
    reason: 'porffor arrays are f64 heap objects with dynamic checks; use a typed array from `new Uint8Array(new ArrayBuffer(n))` filled by a loop',
  },
  {
    code: 107, name: 'no-new',
    reason: 'the only allocation is `new <IntegerTypedArray>(new ArrayBuffer(n))`: porffor\'s `new Uint8Array(n)` reserves 16 KiB whatever n is, so larger arrays overrun their neighbours',
  },
  {
    code: 108, name: 'no-member-access',
    reason: 'the only members are `.length` of a typed array or string, `s.charCodeAt(i)`, `Math.imul`, `Math.clz32`, the byte copies `a.copyWithin(to, from, end)` and `a.set(b.subarray(begin, end), offset)` (one memory.copy, porffor patch 012) and the byte fill `a.fill(value, start, end)` (one memory.fill, patch 023) on Uint8Array parameters; other built-in methods are slow f64 code or missing in porffor',
  },
  {
    code: 109, name: 'typed-array-index',
    reason: 'element access is a typed-array load or store with a number index; anything else is a dynamic property lookup in porffor',
  },
  {
    code: 110, name: 'ascii-string-literal',
    reason: 'porffor stores literals as latin1 bytestrings and the console is ASCII; use printable ASCII and \\n only',
  },
  {
    code: 111, name: 'string-use',
    reason: 'a string is a message: it may only be read with `.length` and `.charCodeAt(i)`, passed, returned or assigned; concatenation, comparison and truthiness run porffor\'s slow generic string paths',
  },
  {
    code: 112, name: 'no-template-literal',
    reason: 'template literals build strings at run time through porffor\'s string helpers; write a quoted literal and print numbers with a helper',
  },
  {
    code: 113, name: 'no-var',
    reason: '`var` is function-scoped and hoisted; use `let` or `const`',
  },
  {
    code: 114, name: 'initialized-variable',
    reason: 'an uninitialized variable starts as `undefined`, so porffor keeps a run-time type for it; give every `let`/`const` an initial value',
  },
  {
    code: 115, name: 'explicit-types',
    reason: 'porffor compiles from the annotations (`--valtype=i32` and TS parameter types); annotate every parameter and return type',
  },
  {
    code: 116, name: 'allowed-types',
    reason: 'the only types are number, boolean, string, void (as a return type) and Uint8Array, Int8Array, Uint16Array, Int16Array, Uint32Array, Int32Array without type arguments',
  },
  {
    code: 117, name: 'plain-parameters',
    reason: 'optional, default, rest and `this` parameters depend on `undefined` and `arguments` handling in porffor; every call passes every parameter',
  },
  {
    code: 118, name: 'no-generics',
    reason: 'type parameters and type arguments have no meaning for porffor\'s i32 code; write the function for its one type',
  },
  {
    code: 119, name: 'no-overload',
    reason: 'overloads are one function with dynamic argument checks; give each signature its own name',
  },
  {
    code: 120, name: 'no-destructuring',
    reason: 'destructuring goes through arrays or objects; read typed-array elements one by one',
  },
  {
    code: 121, name: 'no-spread',
    reason: 'spread goes through porffor\'s iterator protocol; pass each argument',
  },
  {
    code: 122, name: 'no-enum',
    reason: 'enums are objects, and the pipeline transpiles each file alone (ts.transpileModule), so const enums are not inlined across files; use `export const NAME = 1;`',
  },
  {
    code: 123, name: 'no-type-declaration',
    reason: 'type aliases, interfaces, namespaces and ambient declarations describe objects the subset does not have; host functions are declared in a *.d.ts file',
  },
  {
    code: 124, name: 'no-type-assertion',
    reason: '`as`, `<T>`, `!` and `satisfies` tell the checker to trust the code; convert the value explicitly (`| 0`, `>>> 0`) instead',
  },
  {
    code: 125, name: 'integer-literal',
    reason: 'numbers are 32-bit integers: a literal is a decimal or hex integer from -2^31 to 2^32-1 (in i32 mode a larger literal wraps silently; 1e30 became 0)',
  },
  {
    code: 126, name: 'integer-division',
    reason: '`/` is float division in JS and i32.div_s in the stub; write `(a / b) | 0` (or `>>> 0`) so both truncate the same way',
  },
  {
    code: 127, name: 'safe-multiply',
    reason: 'a product of two 32-bit values is not exact in f64, so JS and i32 disagree after wrapping; multiply by an integer literal of magnitude <= 2^21 or use Math.imul',
  },
  {
    code: 128, name: 'no-exponent',
    reason: '`**` is a float power; use shifts or Math.imul',
  },
  {
    code: 129, name: 'no-unsigned-operand',
    reason: 'in i32 mode `x >>> 0` and literals >= 2^31 are the int32 bit pattern, so <, <=, >, >=, / and % on them are signed in the stub and unsigned in JS; compare with uint32Below/uint32AtMost (stub-src/efi/address.ts) and halve before dividing',
  },
  {
    code: 130, name: 'no-loose-equality',
    reason: '`==` and `!=` convert types at run time; use `===` and `!==`',
  },
  {
    code: 131, name: 'no-for-in-of',
    reason: 'for...in and for...of run porffor\'s iterator and property machinery (slow, and objects do not exist); use an index loop',
  },
  {
    code: 132, name: 'numeric-switch',
    reason: 'a switch compares with `===`; on anything but numbers that is porffor\'s generic comparison; switch on a number with number cases',
  },
  {
    code: 133, name: 'label-on-loop',
    reason: 'porffor ignores `break label` out of a labeled block (execution falls through); label only for, while and do loops',
  },
  {
    code: 134, name: 'no-dynamic-scope',
    reason: '`arguments`, `eval`, `with`, `new.target` and `import.meta` need a run-time scope porffor does not provide',
  },
  {
    code: 135, name: 'no-generator-async',
    reason: 'generators and async functions compile to porffor\'s promise and coroutine machinery; the stub is straight-line code',
  },
  {
    code: 136, name: 'no-nullish',
    reason: '`null`, `undefined`, `?.` and `??` mean a value can be absent, which needs run-time types; values are always present (use a status or a sentinel number)',
  },
  {
    code: 137, name: 'no-comma',
    reason: 'the comma operator hides a side effect in an expression; write statements (allowed only in a for-loop update)',
  },
  {
    code: 138, name: 'no-dynamic-operator',
    reason: '`typeof`, `instanceof`, `in`, `delete`, `void` and unary `+` inspect or convert run-time types; the checker already knows every type',
  },
  {
    code: 139, name: 'import-form',
    reason: 'the bundler concatenates modules into one script: import only `import { a, b } from \'./module\'` (named, not renamed, relative, inside the source directory)',
  },
  {
    code: 140, name: 'export-form',
    reason: 'the bundler concatenates modules into one script: export with the `export` keyword on a function, const or let; no default, re-export or export list',
  },
  {
    code: 141, name: 'unique-top-level-name',
    reason: 'the bundler concatenates all modules into one script, so every top-level function, const and let needs a name unique across the source directory, distinct from host functions and allowed globals',
  },
  {
    code: 142, name: 'no-free-identifier',
    reason: 'the only globals are the host functions, `Math` (for imul and clz32), `ArrayBuffer` and the integer typed arrays (after `new`); other globals are missing or slow in porffor',
  },
  {
    code: 143, name: 'no-function-value',
    reason: 'functions are called, not stored or passed: indirect calls go through porffor\'s f64 call_indirect path; call the function by name',
  },
  {
    code: 144, name: 'host-declaration',
    reason: 'a *.d.ts file in the source directory only declares host functions: `declare function hostName(...): type;` with allowed types (they become Wasm imports)',
  },
] as const satisfies readonly SubsetRule[];

export type SubsetRuleName = (typeof SUBSET_RULES)[number]['name'];

const RULES_BY_NAME: ReadonlyMap<string, SubsetRule> = new Map(SUBSET_RULES.map((r) => [r.name, r]));

/** Globals stub code may name, and where: Math only before `.imul`/`.clz32`, the rest after `new`. */
const ALLOWED_GLOBALS: ReadonlySet<string> = new Set(['Math', 'ArrayBuffer', ...TYPED_ARRAYS]);

const MAX_UNSIGNED = 0xffffffff;
const MIN_SIGNED_MAGNITUDE = 0x80000000;
const SAFE_FACTOR = 1 << 21;

export const COMPILER_OPTIONS: ts.CompilerOptions = {
  strict: true,
  noImplicitAny: true,
  noUnusedLocals: false,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  allowImportingTsExtensions: true,
  noEmit: true,
  lib: ['lib.es2022.d.ts'],
  types: [],
  skipDefaultLibCheck: true,
};

/**
 * Type-checks every *.ts file under `sourceDir` and checks it against the subset rules.
 * Returns all problems found (empty when the source is fine), sorted by file and position.
 */
export function checkSubset(sourceDir: string): Diagnostic[] {
  const root = path.resolve(sourceDir);
  const rootNames = ts.sys.readDirectory(root, ['.ts'], ['**/node_modules/**']).sort();
  const program = ts.createProgram({ rootNames, options: COMPILER_OPTIONS });
  const checker = program.getTypeChecker();
  const diagnostics: Diagnostic[] = [];

  const isInSource = (fileName: string): boolean => {
    const resolved = path.resolve(fileName);
    return resolved.startsWith(root + path.sep);
  };
  // Report paths the way the caller named the directory (relative stays relative).
  const displayName = (fileName: string): string =>
    path.join(sourceDir, path.relative(root, path.resolve(fileName)));

  for (const d of ts.getPreEmitDiagnostics(program)) {
    if (d.category !== ts.DiagnosticCategory.Error) continue;
    const text = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    if (d.file && d.start !== undefined) {
      const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
      diagnostics.push({
        stage: 'check-subset', code: TYPE_ERROR_CODE, file: displayName(d.file.fileName),
        line: line + 1, column: character + 1, message: `type-error: ${text} (TS${d.code})`,
      });
    } else {
      diagnostics.push({
        stage: 'check-subset', code: TYPE_ERROR_CODE, file: sourceDir, line: 0, column: 0,
        message: `type-error: ${text} (TS${d.code})`,
      });
    }
  }

  const sourceFiles = program.getSourceFiles().filter((sf) => isInSource(sf.fileName));
  const hostNames = new Map<string, ts.Node>();
  const topLevel = new Map<string, ts.Identifier[]>();

  for (const sourceFile of sourceFiles) {
    const walker = new FileWalker(sourceFile, checker, program, isInSource, displayName, diagnostics);
    if (sourceFile.isDeclarationFile) {
      walker.checkDeclarationFile(hostNames);
    } else {
      walker.checkModule(topLevel);
    }
  }

  // Names must be unique across modules, and must not hide a host function or allowed global.
  for (const [name, places] of topLevel) {
    const describe = (n: ts.Node): string => {
      const sf = n.getSourceFile();
      const { line, character } = sf.getLineAndCharacterOfPosition(n.getStart(sf));
      return `${displayName(sf.fileName)}:${line + 1}:${character + 1}`;
    };
    for (const place of places) {
      const others = places.filter((p) => p !== place).map(describe);
      const host = hostNames.get(name);
      if (host) others.push(describe(host));
      let what: string | undefined;
      if (others.length > 0) what = `\`${name}\` is also declared at ${others.join(', ')}`;
      else if (ALLOWED_GLOBALS.has(name)) what = `\`${name}\` hides the global of that name`;
      if (what) report(diagnostics, displayName, 'unique-top-level-name', place, what);
    }
  }

  return sortAndDeduplicate(diagnostics);
}

function report(
  diagnostics: Diagnostic[], displayName: (f: string) => string,
  rule: SubsetRuleName, node: ts.Node, what: string,
): void {
  const sf = node.getSourceFile();
  const { line, character } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
  const entry = RULES_BY_NAME.get(rule);
  if (!entry) throw new Error(`check-subset: unknown rule ${rule}`);
  diagnostics.push({
    stage: 'check-subset', code: entry.code, file: displayName(sf.fileName),
    line: line + 1, column: character + 1, message: `${rule}: ${what}: ${entry.reason}`,
  });
}

function sortAndDeduplicate(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const unique: Diagnostic[] = [];
  for (const d of diagnostics) {
    const key = `${d.file}\0${d.line}\0${d.column}\0${d.code}\0${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(d);
  }
  return unique.sort((a, b) =>
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
    a.line - b.line || a.column - b.column || a.code - b.code);
}

function skipParentheses(node: ts.Expression): ts.Expression {
  let current = node;
  while (ts.isParenthesizedExpression(current)) current = current.expression;
  return current;
}

/** The node an expression's value flows into, looking through parentheses. */
function valueParent(node: ts.Node): ts.Node {
  let current = node;
  while (ts.isParenthesizedExpression(current.parent)) current = current.parent;
  return current.parent;
}

function isIterationStatement(node: ts.Node): boolean {
  return ts.isForStatement(node) || ts.isWhileStatement(node) || ts.isDoStatement(node) ||
    ts.isForInStatement(node) || ts.isForOfStatement(node);
}

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);
}

/** Value of an integer literal, or of `-literal`; undefined for anything else. */
function literalValue(node: ts.Expression): number | undefined {
  const inner = skipParentheses(node);
  if (ts.isNumericLiteral(inner)) return Number(inner.text);
  if (ts.isPrefixUnaryExpression(inner) && inner.operator === ts.SyntaxKind.MinusToken) {
    const operand = skipParentheses(inner.operand);
    if (ts.isNumericLiteral(operand)) return -Number(operand.text);
  }
  return undefined;
}

/**
 * Identifiers that name a value being read or written (not a declaration name, a property
 * name, a label or part of an import/export clause).
 */
function isValueReference(id: ts.Identifier): boolean {
  const parent = id.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === id) return false;
  if ((ts.isVariableDeclaration(parent) || ts.isParameter(parent) || ts.isFunctionDeclaration(parent) ||
    ts.isFunctionExpression(parent) || ts.isClassDeclaration(parent) || ts.isClassExpression(parent) ||
    ts.isEnumDeclaration(parent) || ts.isEnumMember(parent) || ts.isInterfaceDeclaration(parent) ||
    ts.isTypeAliasDeclaration(parent) || ts.isModuleDeclaration(parent) || ts.isBindingElement(parent) ||
    ts.isPropertyAssignment(parent) || ts.isMethodDeclaration(parent) || ts.isPropertyDeclaration(parent) ||
    ts.isGetAccessorDeclaration(parent) || ts.isSetAccessorDeclaration(parent) ||
    ts.isPropertySignature(parent) || ts.isMethodSignature(parent) || ts.isTypeParameterDeclaration(parent)) &&
    parent.name === id) {
    return false;
  }
  if (ts.isLabeledStatement(parent) || ts.isBreakStatement(parent) || ts.isContinueStatement(parent)) return false;
  if (ts.isImportSpecifier(parent) || ts.isExportSpecifier(parent) || ts.isImportClause(parent) ||
    ts.isNamespaceImport(parent) || ts.isNamespaceExport(parent) || ts.isImportEqualsDeclaration(parent)) {
    return false;
  }
  if (ts.isQualifiedName(parent) || ts.isTypeReferenceNode(parent) || ts.isMetaProperty(parent)) return false;
  if (ts.isShorthandPropertyAssignment(parent)) return true;
  return true;
}

type Family = 'number' | 'boolean' | 'string' | 'typed-array' | 'void' | 'bigint' | 'other';

class FileWalker {
  private readonly file: ts.SourceFile;

  constructor(
    file: ts.SourceFile,
    private readonly checker: ts.TypeChecker,
    private readonly program: ts.Program,
    private readonly isInSource: (fileName: string) => boolean,
    private readonly displayName: (fileName: string) => string,
    private readonly diagnostics: Diagnostic[],
  ) {
    this.file = file;
  }

  private report(rule: SubsetRuleName, node: ts.Node, what: string): void {
    report(this.diagnostics, this.displayName, rule, node, what);
  }

  // --- types ----------------------------------------------------------------------------------

  private family(type: ts.Type): Family {
    if (type.flags & ts.TypeFlags.Union) {
      const parts = (type as ts.UnionType).types.map((t) => this.family(t));
      return parts.every((p) => p === parts[0]) ? parts[0] : 'other';
    }
    if (type.flags & ts.TypeFlags.NumberLike && !(type.flags & ts.TypeFlags.EnumLike)) return 'number';
    if (type.flags & ts.TypeFlags.BooleanLike) return 'boolean';
    if (type.flags & ts.TypeFlags.StringLike) return 'string';
    if (type.flags & ts.TypeFlags.Void) return 'void';
    if (type.flags & ts.TypeFlags.BigIntLike) return 'bigint';
    const symbol = type.getSymbol();
    if (symbol && TYPED_ARRAYS.includes(symbol.name) && this.isLibSymbol(symbol)) return 'typed-array';
    return 'other';
  }

  private familyAt(node: ts.Node): Family {
    return this.family(this.checker.getTypeAtLocation(node));
  }

  private isLibSymbol(symbol: ts.Symbol): boolean {
    const declarations = symbol.getDeclarations() ?? [];
    return declarations.length > 0 &&
      declarations.every((d) => this.program.isSourceFileDefaultLibrary(d.getSourceFile()));
  }

  /** The symbol an identifier refers to, through import aliases. */
  private resolve(id: ts.Identifier): ts.Symbol | undefined {
    let symbol = this.checker.getSymbolAtLocation(id);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = this.checker.getAliasedSymbol(symbol);
    return symbol;
  }

  private isGlobal(id: ts.Expression, names: readonly string[]): boolean {
    if (!ts.isIdentifier(id) || !names.includes(id.text)) return false;
    const symbol = this.resolve(id);
    return symbol !== undefined && this.isLibSymbol(symbol);
  }

  /** Checks a written type: number, boolean, string, void (returns only), typed arrays. */
  private checkTypeNode(node: ts.TypeNode, isReturnType: boolean): void {
    switch (node.kind) {
      case ts.SyntaxKind.NumberKeyword:
      case ts.SyntaxKind.BooleanKeyword:
      case ts.SyntaxKind.StringKeyword:
        return;
      case ts.SyntaxKind.VoidKeyword:
        if (!isReturnType) this.report('allowed-types', node, '`void` is only a return type');
        return;
      case ts.SyntaxKind.BigIntKeyword:
        if (isReturnType || !ts.isVariableDeclaration(node.parent)) {
          this.report('u64-bigint', node, '`bigint` is only the type of a local variable, not of a parameter or a result');
        }
        return;
      case ts.SyntaxKind.ParenthesizedType:
        this.checkTypeNode((node as ts.ParenthesizedTypeNode).type, isReturnType);
        return;
    }
    if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName) && TYPED_ARRAYS.includes(node.typeName.text)) {
      const symbol = this.checker.getSymbolAtLocation(node.typeName);
      if (symbol && this.isLibSymbol(symbol)) {
        if (node.typeArguments) this.report('allowed-types', node, `write \`${node.typeName.text}\` without type arguments`);
        return;
      }
    }
    this.report('allowed-types', node, `type \`${node.getText(this.file)}\` is not allowed`);
  }

  // --- declaration files ----------------------------------------------------------------------

  checkDeclarationFile(hostNames: Map<string, ts.Node>): void {
    for (const statement of this.file.statements) {
      if (ts.isFunctionDeclaration(statement) && statement.name && !hasModifier(statement, ts.SyntaxKind.ExportKeyword) &&
        !hasModifier(statement, ts.SyntaxKind.DefaultKeyword)) {
        const name = statement.name.text;
        if (!name.startsWith(HOST_PREFIX)) {
          this.report('host-declaration', statement.name, `\`${name}\` does not start with \`${HOST_PREFIX}\``);
        } else if (hostNames.has(name) && hostNames.get(name) !== statement.name) {
          this.report('host-declaration', statement.name, `\`${name}\` is declared twice`);
        } else {
          hostNames.set(name, statement.name);
        }
        this.checkSignature(statement);
        continue;
      }
      this.report('host-declaration', statement, 'only `declare function host...(...): type;` is allowed here');
    }
  }

  // --- modules ----------------------------------------------------------------------------------

  checkModule(topLevel: Map<string, ts.Identifier[]>): void {
    for (const statement of this.file.statements) {
      if (ts.isFunctionDeclaration(statement) && statement.name && statement.body) {
        this.addTopLevel(topLevel, statement.name);
      } else if (ts.isVariableStatement(statement)) {
        for (const declaration of statement.declarationList.declarations) {
          if (ts.isIdentifier(declaration.name)) this.addTopLevel(topLevel, declaration.name);
        }
      }
    }
    this.visit(this.file, 0);
  }

  private addTopLevel(topLevel: Map<string, ts.Identifier[]>, name: ts.Identifier): void {
    const places = topLevel.get(name.text) ?? [];
    places.push(name);
    topLevel.set(name.text, places);
  }

  private visitChildren(node: ts.Node, depth: number): void {
    ts.forEachChild(node, (child) => {
      this.visit(child, depth);
    });
  }

  private checkSignature(node: ts.FunctionDeclaration): void {
    if (node.typeParameters) this.report('no-generics', node.typeParameters[0], 'type parameters are not allowed');
    for (const parameter of node.parameters) {
      if (!ts.isIdentifier(parameter.name)) {
        this.report('no-destructuring', parameter.name, 'a destructured parameter is not allowed');
      } else if (parameter.name.text === 'this') {
        this.report('plain-parameters', parameter, 'a `this` parameter is not allowed');
        continue;
      }
      if (parameter.questionToken) this.report('plain-parameters', parameter, 'an optional parameter is not allowed');
      if (parameter.initializer) this.report('plain-parameters', parameter, 'a default value is not allowed');
      if (parameter.dotDotDotToken) this.report('plain-parameters', parameter, 'a rest parameter is not allowed');
      if (parameter.type) {
        this.checkTypeNode(parameter.type, false);
      } else {
        this.report('explicit-types', parameter, `parameter \`${parameter.name.getText(this.file)}\` has no type annotation`);
      }
    }
    if (node.type) {
      this.checkTypeNode(node.type, true);
    } else {
      this.report('explicit-types', node.name ?? node, `function \`${node.name?.text ?? 'default'}\` has no return type annotation`);
    }
  }

  private visit(node: ts.Node, depth: number): void {
    switch (node.kind) {
      // --- functions and classes ---
      case ts.SyntaxKind.FunctionDeclaration: {
        const fn = node as ts.FunctionDeclaration;
        if (!ts.isSourceFile(fn.parent)) {
          this.report('no-closure', fn.name ?? fn, 'nested function declarations are not allowed');
        }
        if (!fn.body) {
          if (hasModifier(fn, ts.SyntaxKind.DeclareKeyword)) {
            this.report('no-type-declaration', fn, 'declare host functions in a *.d.ts file');
          } else {
            this.report('no-overload', fn, 'overload signatures are not allowed');
          }
          return;
        }
        if (hasModifier(fn, ts.SyntaxKind.DefaultKeyword)) this.report('export-form', fn, '`export default` is not allowed');
        if (fn.asteriskToken) this.report('no-generator-async', fn, 'generator functions are not allowed');
        if (hasModifier(fn, ts.SyntaxKind.AsyncKeyword)) this.report('no-generator-async', fn, 'async functions are not allowed');
        this.checkSignature(fn);
        if (fn.body) this.visitChildren(fn.body, depth + 1);
        return;
      }
      case ts.SyntaxKind.FunctionExpression:
      case ts.SyntaxKind.ArrowFunction: {
        const fn = node as ts.FunctionExpression | ts.ArrowFunction;
        this.report('no-closure', fn, ts.isArrowFunction(fn) ? 'arrow functions are not allowed' : 'function expressions are not allowed');
        this.visit(fn.body, depth + 1);
        return;
      }
      case ts.SyntaxKind.ClassDeclaration:
      case ts.SyntaxKind.ClassExpression:
        this.report('no-class', node, 'classes are not allowed');
        return;
      case ts.SyntaxKind.ThisKeyword:
        this.report('no-class', node, '`this` is not allowed');
        return;
      case ts.SyntaxKind.SuperKeyword:
        this.report('no-class', node, '`super` is not allowed');
        return;

      // --- statements ---
      case ts.SyntaxKind.TryStatement:
        this.report('no-exceptions', node, 'try/catch/finally is not allowed');
        return;
      case ts.SyntaxKind.ThrowStatement:
        this.report('no-exceptions', node, '`throw` is not allowed');
        return;
      case ts.SyntaxKind.ForInStatement:
        this.report('no-for-in-of', node, 'for...in is not allowed');
        break;
      case ts.SyntaxKind.ForOfStatement:
        this.report('no-for-in-of', node, 'for...of is not allowed');
        break;
      case ts.SyntaxKind.WithStatement:
        this.report('no-dynamic-scope', node, '`with` is not allowed');
        break;
      case ts.SyntaxKind.SwitchStatement: {
        const sw = node as ts.SwitchStatement;
        if (this.familyAt(sw.expression) !== 'number') {
          this.report('numeric-switch', sw.expression, 'the switch value is not a number');
        }
        for (const clause of sw.caseBlock.clauses) {
          if (ts.isCaseClause(clause) && this.familyAt(clause.expression) !== 'number') {
            this.report('numeric-switch', clause.expression, 'the case value is not a number');
          }
        }
        break;
      }
      case ts.SyntaxKind.LabeledStatement: {
        const labeled = node as ts.LabeledStatement;
        if (!isIterationStatement(labeled.statement)) {
          this.report('label-on-loop', labeled.label, `label \`${labeled.label.text}\` is not on a loop`);
        }
        break;
      }
      case ts.SyntaxKind.VariableStatement:
        if (hasModifier(node, ts.SyntaxKind.DeclareKeyword)) {
          this.report('no-type-declaration', node, 'declare host functions in a *.d.ts file');
          return;
        }
        break;
      case ts.SyntaxKind.VariableDeclarationList: {
        const list = node as ts.VariableDeclarationList;
        const flags = list.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const | ts.NodeFlags.Using | ts.NodeFlags.AwaitUsing);
        if (flags === 0) this.report('no-var', list, '`var` is not allowed');
        else if (flags !== ts.NodeFlags.Let && flags !== ts.NodeFlags.Const) this.report('no-var', list, '`using` is not allowed');
        break;
      }
      case ts.SyntaxKind.VariableDeclaration: {
        const declaration = node as ts.VariableDeclaration;
        if (!ts.isIdentifier(declaration.name)) {
          this.report('no-destructuring', declaration.name, 'destructuring declarations are not allowed');
          if (declaration.initializer) this.visit(declaration.initializer, depth);
          return;
        }
        const inLoopHead = ts.isForInStatement(declaration.parent.parent) || ts.isForOfStatement(declaration.parent.parent);
        if (!declaration.initializer && !inLoopHead) {
          this.report('initialized-variable', declaration, `\`${declaration.name.text}\` has no initial value`);
        }
        if (declaration.exclamationToken) this.report('no-type-assertion', declaration, 'a definite-assignment `!` is not allowed');
        if (declaration.type) this.checkTypeNode(declaration.type, false);
        if (this.familyAt(declaration.name) === 'bigint') {
          if (depth === 0) {
            this.report('u64-bigint', declaration.name, `\`${declaration.name.text}\`: a 64-bit value is only a function's local, not module-level state`);
          }
          if (declaration.initializer) this.checkU64Root(declaration.initializer, depth);
          return;
        }
        const reportedBefore = this.diagnostics.length;
        if (declaration.initializer) this.visit(declaration.initializer, depth);
        // An inferred type is only worth a report when the initializer broke no other rule
        // (`const table = [1, 2]` is an array-literal problem, not a second type problem).
        if (!declaration.type && !inLoopHead && this.diagnostics.length === reportedBefore) {
          const family = this.familyAt(declaration.name);
          if (family === 'other' || family === 'void') {
            const text = this.checker.typeToString(this.checker.getTypeAtLocation(declaration.name));
            this.report('allowed-types', declaration.name, `\`${declaration.name.text}\` has type \`${text}\``);
          }
        }
        return;
      }

      // --- declarations and modules ---
      case ts.SyntaxKind.EnumDeclaration:
        this.report('no-enum', node, 'enums are not allowed');
        return;
      case ts.SyntaxKind.TypeAliasDeclaration:
        this.report('no-type-declaration', node, 'type aliases are not allowed');
        return;
      case ts.SyntaxKind.InterfaceDeclaration:
        this.report('no-type-declaration', node, 'interfaces are not allowed');
        return;
      case ts.SyntaxKind.ModuleDeclaration:
        this.report('no-type-declaration', node, 'namespaces and module declarations are not allowed');
        return;
      case ts.SyntaxKind.ImportDeclaration:
        this.checkImport(node as ts.ImportDeclaration);
        return;
      case ts.SyntaxKind.ImportEqualsDeclaration:
        this.report('import-form', node, '`import = require` is not allowed');
        return;
      case ts.SyntaxKind.ExportDeclaration:
        this.report('export-form', node, (node as ts.ExportDeclaration).moduleSpecifier
          ? 're-exports are not allowed' : 'export lists are not allowed');
        return;
      case ts.SyntaxKind.ExportAssignment:
        this.report('export-form', node, '`export default` / `export =` is not allowed');
        return;

      // --- literals ---
      case ts.SyntaxKind.BigIntLiteral:
        this.report('u64-bigint', node, 'a BigInt literal is only allowed in a 64-bit expression (a bigint local\'s value)');
        return;
      case ts.SyntaxKind.ObjectLiteralExpression:
        this.report('no-object-literal', node, 'object literals are not allowed');
        return;
      case ts.SyntaxKind.RegularExpressionLiteral:
        this.report('no-object-literal', node, 'regular expression literals are objects and are not allowed');
        return;
      case ts.SyntaxKind.ArrayLiteralExpression:
        this.report('no-array-literal', node, 'array literals are not allowed');
        this.visitChildren(node, depth);
        return;
      case ts.SyntaxKind.NoSubstitutionTemplateLiteral:
      case ts.SyntaxKind.TemplateExpression:
        this.report('no-template-literal', node, 'template literals are not allowed');
        this.visitChildren(node, depth);
        return;
      case ts.SyntaxKind.TaggedTemplateExpression:
        this.report('no-template-literal', node, 'tagged templates are not allowed');
        return;
      case ts.SyntaxKind.StringLiteral:
        this.checkStringLiteral(node as ts.StringLiteral);
        this.checkStringUse(node as ts.Expression);
        return;
      case ts.SyntaxKind.NumericLiteral:
        this.checkNumericLiteral(node as ts.NumericLiteral);
        return;
      case ts.SyntaxKind.NullKeyword:
        this.report('no-nullish', node, '`null` is not allowed');
        return;

      // --- expressions ---
      case ts.SyntaxKind.Identifier:
        this.checkIdentifier(node as ts.Identifier);
        return;
      case ts.SyntaxKind.NewExpression:
        if (!this.checkNew(node as ts.NewExpression)) return;
        break;
      case ts.SyntaxKind.PropertyAccessExpression:
        this.checkPropertyAccess(node as ts.PropertyAccessExpression, depth);
        return;
      case ts.SyntaxKind.ElementAccessExpression: {
        const access = node as ts.ElementAccessExpression;
        if (access.questionDotToken) this.report('no-nullish', node, '`?.` is not allowed');
        if (this.familyAt(access.expression) !== 'typed-array') {
          this.report('typed-array-index', node, 'only typed arrays can be indexed');
        } else if (this.familyAt(access.argumentExpression) !== 'number') {
          this.report('typed-array-index', access.argumentExpression, 'the index is not a number');
        }
        break;
      }
      case ts.SyntaxKind.CallExpression: {
        const call = node as ts.CallExpression;
        if (call.questionDotToken) this.report('no-nullish', node, '`?.()` is not allowed');
        if (call.expression.kind === ts.SyntaxKind.ImportKeyword) {
          this.report('import-form', node, 'dynamic `import()` is not allowed');
          return;
        }
        if (call.typeArguments) this.report('no-generics', call.typeArguments[0], 'type arguments are not allowed');
        if (this.isGlobal(call.expression, ['Number']) && call.arguments.length === 1 &&
          this.isAsUintN(skipParentheses(call.arguments[0]), 32)) {
          // The way out of a 64-bit expression: its low 32 bits (exact in JS, i32.wrap_i64 in Wasm).
          this.checkU64((skipParentheses(call.arguments[0]) as ts.CallExpression).arguments[1], true, depth);
          return;
        }
        this.checkStringUse(call);
        break;
      }
      case ts.SyntaxKind.SpreadElement:
      case ts.SyntaxKind.SpreadAssignment:
        this.report('no-spread', node, 'spread is not allowed');
        break;
      case ts.SyntaxKind.AsExpression:
      case ts.SyntaxKind.TypeAssertionExpression:
      case ts.SyntaxKind.SatisfiesExpression:
        this.report('no-type-assertion', node, `\`${node.kind === ts.SyntaxKind.SatisfiesExpression ? 'satisfies' : 'as'}\` is not allowed`);
        this.visit((node as ts.AsExpression).expression, depth);
        return;
      case ts.SyntaxKind.NonNullExpression:
        this.report('no-type-assertion', node, 'a non-null `!` is not allowed');
        break;
      case ts.SyntaxKind.DeleteExpression:
        this.report('no-dynamic-operator', node, '`delete` is not allowed');
        break;
      case ts.SyntaxKind.TypeOfExpression:
        this.report('no-dynamic-operator', node, '`typeof` is not allowed in an expression');
        break;
      case ts.SyntaxKind.VoidExpression:
        this.report('no-dynamic-operator', node, '`void` is not allowed');
        break;
      case ts.SyntaxKind.YieldExpression:
        this.report('no-generator-async', node, '`yield` is not allowed');
        break;
      case ts.SyntaxKind.AwaitExpression:
        this.report('no-generator-async', node, '`await` is not allowed');
        break;
      case ts.SyntaxKind.MetaProperty:
        this.report('no-dynamic-scope', node, `\`${node.getText(this.file)}\` is not allowed`);
        return;
      case ts.SyntaxKind.PrefixUnaryExpression: {
        const unary = node as ts.PrefixUnaryExpression;
        if (unary.operator === ts.SyntaxKind.PlusToken) this.report('no-dynamic-operator', node, 'unary `+` is not allowed');
        break;
      }
      case ts.SyntaxKind.BinaryExpression: {
        const binary = node as ts.BinaryExpression;
        if (this.familyAt(binary.left) === 'bigint' || this.familyAt(binary.right) === 'bigint') {
          if (binary.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(skipParentheses(binary.left))) {
            this.checkU64Root(binary.right, depth);
          } else {
            this.report('u64-bigint', binary.operatorToken, 'a 64-bit value may only be assigned with `=` to a bigint local, inside a 64-bit expression');
          }
          return;
        }
        if (!this.checkBinary(binary, depth)) return;
        break;
      }
    }
    if (ts.isTypeNode(node)) return;
    this.visitChildren(node, depth);
  }

  // --- 64-bit expressions (ES104) -----------------------------------------------------------------

  /** `BigInt.asUintN(bits, x)` with the bit count written as that literal. */
  private isAsUintN(node: ts.Expression, bits: number): boolean {
    return ts.isCallExpression(node) && node.arguments.length === 2 && ts.isPropertyAccessExpression(node.expression) &&
      this.isGlobal(node.expression.expression, ['BigInt']) && node.expression.name.text === 'asUintN' &&
      ts.isNumericLiteral(node.arguments[0]) && Number(node.arguments[0].text) === bits;
  }

  /**
   * `BigInt(n & m)` with m a literal 0..63: a shift count computed at run time, in 0..63 whatever
   * n is, where JS's shift and Wasm's (which takes the count mod 64) agree.
   */
  private isMaskedShiftCount(node: ts.Expression): boolean {
    if (!ts.isCallExpression(node) || !this.isGlobal(node.expression, ['BigInt']) || node.arguments.length !== 1) return false;
    const argument = skipParentheses(node.arguments[0]);
    if (!ts.isBinaryExpression(argument) || argument.operatorToken.kind !== ts.SyntaxKind.AmpersandToken) return false;
    const mask = skipParentheses(argument.right);
    return ts.isNumericLiteral(mask) && Number(mask.text) >= 0 && Number(mask.text) <= 63;
  }

  /** A bigint local's value (initializer or `=`): a 64-bit expression whose value is in [0, 2^64). */
  private checkU64Root(expression: ts.Expression, depth: number): void {
    if (!this.checkU64(expression, false, depth)) {
      this.report('u64-bigint', expression, 'a bigint local takes a value in [0, 2^64): wrap `+ - * <<` in `BigInt.asUintN(64, ...)`');
    }
  }

  /**
   * Checks a 64-bit expression; returns whether its value is known to be in [0, 2^64) ("wrapped").
   * `+ - * <<` may exceed that range in JS, so they are only allowed under an asUintN(64) (or the
   * asUintN(32) of Number(...)), where JS's exact result and Wasm's wrapped one agree; `>>` does
   * not commute with the wrap, so its operand must be wrapped already.
   */
  private checkU64(node: ts.Expression, insideWrap: boolean, depth: number): boolean {
    const expression = skipParentheses(node);
    if (ts.isBigIntLiteral(expression)) {
      if (BigInt(expression.text.slice(0, -1)) >= 1n << 64n) {
        this.report('u64-bigint', expression, 'a 64-bit constant is below 2^64');
      }
      return true;
    }
    if (ts.isIdentifier(expression)) {
      if (this.familyAt(expression) !== 'bigint') {
        this.report('u64-bigint', expression, `\`${expression.text}\` is not a bigint local`);
      }
      return true;
    }
    if (this.isAsUintN(expression, 64)) {
      this.checkU64((expression as ts.CallExpression).arguments[1], true, depth);
      return true;
    }
    if (ts.isCallExpression(expression) && this.isGlobal(expression.expression, ['BigInt']) && expression.arguments.length === 1) {
      const argument = skipParentheses(expression.arguments[0]);
      if (!ts.isBinaryExpression(argument) || argument.operatorToken.kind !== ts.SyntaxKind.GreaterThanGreaterThanGreaterThanToken) {
        this.report('u64-bigint', argument, 'write `BigInt(x >>> 0)`: the value must be an unsigned 32-bit number');
      }
      this.visit(argument, depth);
      return true;
    }
    if (ts.isBinaryExpression(expression)) {
      const K = ts.SyntaxKind;
      const operator = expression.operatorToken.kind;
      if (operator === K.AmpersandToken || operator === K.BarToken || operator === K.CaretToken) {
        const left = this.checkU64(expression.left, insideWrap, depth);
        const right = this.checkU64(expression.right, insideWrap, depth);
        return left && right;
      }
      if (operator === K.GreaterThanGreaterThanToken || operator === K.LessThanLessThanToken) {
        const count = skipParentheses(expression.right);
        if (this.isMaskedShiftCount(count)) {
          this.visit((count as ts.CallExpression).arguments[0], depth);
        } else if (!ts.isBigIntLiteral(count) || BigInt(count.text.slice(0, -1)) > 63n) {
          this.report('u64-bigint', count, 'a 64-bit shift count is a literal 0n..63n or `BigInt(n & 63)`');
        }
        if (operator === K.GreaterThanGreaterThanToken) {
          // The operand is written wrapped, even a local already in range: Node 20's optimizing
          // compiler aborts the process ("Phi of kRepTagged (UnsignedBigInt64) cannot be changed
          // to kRepWord64") when a BigInt local that flows through a branch or loop is shifted
          // right directly.
          if (!this.isAsUintN(skipParentheses(expression.left), 64)) {
            this.report('u64-bigint', expression.left, 'shift right only `BigInt.asUintN(64, ...)`: `BigInt.asUintN(64, x) >> 8n`');
          }
          this.checkU64(expression.left, insideWrap, depth);
          return true;
        }
        this.checkU64(expression.left, insideWrap, depth);
        if (!insideWrap) this.report('u64-bigint', expression, '`<<` may exceed 2^64: write it inside `BigInt.asUintN(64, ...)`');
        return false;
      }
      if (operator === K.PlusToken || operator === K.MinusToken || operator === K.AsteriskToken) {
        if (!insideWrap) {
          this.report('u64-bigint', expression.operatorToken, `\`${expression.operatorToken.getText(this.file)}\` may leave [0, 2^64): write it inside \`BigInt.asUintN(64, ...)\``);
        }
        this.checkU64(expression.left, insideWrap, depth);
        this.checkU64(expression.right, insideWrap, depth);
        return false;
      }
    }
    this.report('u64-bigint', expression, 'not a 64-bit expression the compiler supports (literal, bigint local, BigInt(x >>> 0), BigInt.asUintN(64, ...), + - * & | ^ << >>)');
    return true;
  }

  private checkImport(node: ts.ImportDeclaration): void {
    const clause = node.importClause;
    const specifier = ts.isStringLiteral(node.moduleSpecifier) ? node.moduleSpecifier.text : '';
    if (!clause) {
      this.report('import-form', node, 'side-effect imports are not allowed');
      return;
    }
    if (clause.isTypeOnly) this.report('import-form', node, '`import type` is not allowed (the subset has no types to import)');
    if (clause.name) this.report('import-form', clause.name, 'default imports are not allowed');
    if (clause.namedBindings && ts.isNamespaceImport(clause.namedBindings)) {
      this.report('import-form', clause.namedBindings, 'namespace imports are not allowed');
    }
    if (clause.namedBindings && ts.isNamedImports(clause.namedBindings)) {
      for (const element of clause.namedBindings.elements) {
        if (element.propertyName) this.report('import-form', element, 'renamed imports are not allowed');
        if (element.isTypeOnly) this.report('import-form', element, 'type-only imports are not allowed');
      }
    }
    if (node.attributes) this.report('import-form', node.attributes, 'import attributes are not allowed');
    if (!specifier.startsWith('./') && !specifier.startsWith('../')) {
      this.report('import-form', node.moduleSpecifier, `\`${specifier}\` is not a relative path`);
      return;
    }
    const resolved = ts.resolveModuleName(specifier, this.file.fileName, this.program.getCompilerOptions(), ts.sys)
      .resolvedModule;
    if (resolved && (!this.isInSource(resolved.resolvedFileName) || resolved.resolvedFileName.endsWith('.d.ts'))) {
      this.report('import-form', node.moduleSpecifier, `\`${specifier}\` is not a module of the source directory`);
    }
  }

  private checkStringLiteral(node: ts.StringLiteral): void {
    for (let i = 0; i < node.text.length; i++) {
      const c = node.text.charCodeAt(i);
      if (c !== 0x0a && (c < 0x20 || c > 0x7e)) {
        this.report('ascii-string-literal', node, `character 0x${c.toString(16)} at index ${i} is not printable ASCII`);
        return;
      }
    }
  }

  private checkNumericLiteral(node: ts.NumericLiteral): void {
    const raw = node.getText(this.file);
    const parent = valueParent(node);
    const negated = ts.isPrefixUnaryExpression(parent) && parent.operator === ts.SyntaxKind.MinusToken;
    if (!/^(0|[1-9][0-9_]*|0[xX][0-9a-fA-F_]+)$/.test(raw)) {
      this.report('integer-literal', node, `\`${raw}\` is not a decimal or hex integer`);
      return;
    }
    const value = Number(node.text);
    if (negated ? value > MIN_SIGNED_MAGNITUDE : value > MAX_UNSIGNED) {
      this.report('integer-literal', negated ? parent : node, `\`${negated ? '-' : ''}${raw}\` is outside -2^31 .. 2^32-1`);
    }
  }

  /**
   * A string-typed expression may only be the object of `.length`/`.charCodeAt`, an argument,
   * a returned value, an initializer or the right side of `=`. Reported at the using node.
   */
  private checkStringUse(node: ts.Expression): void {
    if (this.familyAt(node) !== 'string') return;
    let child: ts.Node = node;
    let parent = valueParent(node);
    while (ts.isConditionalExpression(parent) && parent.condition !== skipParentheses(child as ts.Expression) &&
      (parent.whenTrue === child || parent.whenFalse === child || skipParentheses(parent.whenTrue) === child ||
        skipParentheses(parent.whenFalse) === child)) {
      child = parent;
      parent = valueParent(parent);
    }
    if (ts.isPropertyAccessExpression(parent) || ts.isElementAccessExpression(parent)) return; // own rules
    if ((ts.isCallExpression(parent) || ts.isNewExpression(parent)) && parent.expression !== child) return;
    if (ts.isReturnStatement(parent) || ts.isVariableDeclaration(parent)) return;
    if (ts.isSwitchStatement(parent) || ts.isCaseClause(parent)) return; // numeric-switch
    if (ts.isTemplateSpan(parent) || ts.isTemplateExpression(parent)) return; // no-template-literal
    if (ts.isImportDeclaration(parent) || ts.isExportDeclaration(parent) || ts.isLiteralTypeNode(parent)) return;
    if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken) return;
    if (ts.isParameter(parent) || ts.isPropertyAssignment(parent)) return;
    this.report('string-use', parent, `a string is used as an operand of \`${parent.getText(this.file).slice(0, 40)}\``);
  }

  private checkIdentifier(id: ts.Identifier): void {
    if (!isValueReference(id)) return;
    const name = id.text;
    if (name === 'undefined') {
      this.report('no-nullish', id, '`undefined` is not allowed');
      return;
    }
    if (name === 'arguments' || name === 'eval') {
      const symbol = this.resolve(id);
      if (!symbol || !symbol.declarations?.some((d) => this.isInSource(d.getSourceFile().fileName))) {
        this.report('no-dynamic-scope', id, `\`${name}\` is not allowed`);
        return;
      }
    }
    const symbol = this.resolve(id);
    if (!symbol) return; // unresolved names are type errors (code 100)
    const declarations = symbol.getDeclarations() ?? [];
    const local = declarations.some((d) => this.isInSource(d.getSourceFile().fileName));
    if (local) {
      if (this.familyAt(id) === 'bigint') {
        // Every allowed use of a bigint local is inside a 64-bit expression, checked by checkU64.
        this.report('u64-bigint', id, `\`${name}\` is 64-bit: use it only inside a 64-bit expression (a bigint local's value, or Number(BigInt.asUintN(32, ...)))`);
        return;
      }
      this.checkStringUse(id);
      if (symbol.flags & ts.SymbolFlags.Function) {
        const parent = valueParent(id);
        const called = ts.isCallExpression(parent) && skipParentheses(parent.expression) === id;
        if (!called && !ts.isTypeQueryNode(id.parent)) {
          this.report('no-function-value', id, `function \`${name}\` is used as a value`);
        }
      }
      return;
    }
    if (name === 'BigInt') {
      this.report('u64-bigint', id, '`BigInt` is only allowed as `BigInt(x >>> 0)` and `BigInt.asUintN(...)` in a 64-bit expression');
      return;
    }
    if (ALLOWED_GLOBALS.has(name)) {
      const parent = id.parent;
      if (name === 'Math' && ts.isPropertyAccessExpression(parent) && parent.expression === id) return;
      if (name !== 'Math' && ts.isNewExpression(parent) && parent.expression === id) return;
      this.report('no-free-identifier', id, name === 'Math'
        ? '`Math` may only be used as `Math.imul(...)` or `Math.clz32(...)`'
        : `\`${name}\` may only follow \`new\``);
      return;
    }
    this.report('no-free-identifier', id, `global \`${name}\` is not allowed`);
  }

  /** Returns true when the children should still be visited. */
  private checkNew(node: ts.NewExpression): boolean {
    const args = node.arguments ?? [];
    if (this.isGlobal(node.expression, TYPED_ARRAYS)) {
      const inner = args.length === 1 ? skipParentheses(args[0]) : undefined;
      if (!inner || !ts.isNewExpression(inner) || !this.isGlobal(inner.expression, ['ArrayBuffer']) ||
        (inner.arguments ?? []).length !== 1) {
        this.report('no-new', node, `write \`new ${(node.expression as ts.Identifier).text}(new ArrayBuffer(byteLength))\``);
      }
      if (node.typeArguments) this.report('no-generics', node.typeArguments[0], 'type arguments are not allowed');
      return true;
    }
    if (this.isGlobal(node.expression, ['ArrayBuffer'])) {
      const parent = valueParent(node);
      if (!ts.isNewExpression(parent) || !this.isGlobal(parent.expression, TYPED_ARRAYS) ||
        (node.arguments ?? []).length !== 1) {
        this.report('no-new', node, '`new ArrayBuffer(byteLength)` is only allowed as the argument of `new <TypedArray>(...)`');
      }
      return true;
    }
    this.report('no-new', node, `\`new ${node.expression.getText(this.file)}\` is not allowed`);
    for (const arg of args) this.visit(arg, 0);
    return false;
  }

  /**
   * The byte copies porffor patch 012 compiles to one memory.copy: `a.copyWithin(to, from, end)`
   * and `a.set(b.subarray(begin, end), offset)`, and the byte fill patch 023 compiles to one
   * memory.fill: `a.fill(value, start, end)`, where a and b are parameters declared
   * `Uint8Array` (the types the patches see; anything else would fall back to porffor's generic
   * builtins, which loop per element and allocate the subarray view on the never-freed heap).
   * All arguments are written out, so no default comes from the library. Returns why the use
   * is refused, or undefined when it is one of these.
   */
  private byteCopyProblem(node: ts.PropertyAccessExpression, name: string): string | undefined {
    const byteArrayParameter = (expression: ts.Expression): boolean => {
      const inner = skipParentheses(expression);
      if (!ts.isIdentifier(inner)) return false;
      const declaration = this.resolve(inner)?.valueDeclaration;
      return declaration !== undefined && ts.isParameter(declaration) && declaration.type !== undefined &&
        declaration.type.getText(this.file) === 'Uint8Array';
    };
    const call = valueParent(node);
    const shape = name === 'copyWithin' ? '`a.copyWithin(to, from, end)`'
      : name === 'fill' ? '`a.fill(value, start, end)`' : '`a.set(b.subarray(begin, end), offset)`';
    if (!ts.isCallExpression(call) || skipParentheses(call.expression) !== node) return `\`.${name}\` may only be called, as ${shape}`;
    if (!byteArrayParameter(node.expression)) {
      return `\`.${name}\` is only compiled to a memory ${name === 'fill' ? 'fill' : 'copy'} on a parameter declared \`Uint8Array\``;
    }
    if (name === 'fill') {
      return call.arguments.length === 3 ? undefined : '`.fill` takes exactly (value, start, end)';
    }
    if (name === 'copyWithin') {
      return call.arguments.length === 3 ? undefined : '`.copyWithin` takes exactly (to, from, end)';
    }
    if (name === 'set') {
      const view = call.arguments.length === 2 ? skipParentheses(call.arguments[0]) : undefined;
      const ok = view !== undefined && ts.isCallExpression(view) && ts.isPropertyAccessExpression(view.expression) &&
        view.expression.name.text === 'subarray';
      return ok ? undefined : '`.set` takes exactly (b.subarray(begin, end), offset)';
    }
    // subarray: only as the view that `.set` copies from, with both bounds
    const outer = valueParent(call);
    const inSet = ts.isCallExpression(outer) && outer.arguments.length === 2 && skipParentheses(outer.arguments[0]) === call &&
      ts.isPropertyAccessExpression(skipParentheses(outer.expression)) &&
      (skipParentheses(outer.expression) as ts.PropertyAccessExpression).name.text === 'set';
    if (!inSet) return '`.subarray` may only be the first argument of `a.set(b.subarray(begin, end), offset)`';
    return call.arguments.length === 2 ? undefined : '`.subarray` takes exactly (begin, end)';
  }

  private checkPropertyAccess(node: ts.PropertyAccessExpression, depth: number): void {
    if (node.questionDotToken) this.report('no-nullish', node, '`?.` is not allowed');
    const name = node.name.text;
    const object = node.expression;
    const parent = valueParent(node);
    const calledWith = (count: number): boolean =>
      ts.isCallExpression(parent) && skipParentheses(parent.expression) === node && parent.arguments.length === count;
    let allowed = false;
    if (ts.isIdentifier(object) && object.text === 'Math' && this.isGlobal(object, ['Math'])) {
      allowed = (name === 'imul' && calledWith(2)) || (name === 'clz32' && calledWith(1));
      if (!allowed) {
        this.report('no-member-access', node, `\`Math.${name}\` is not allowed${name === 'imul' || name === 'clz32' ? ' except as a direct call' : ''}`);
        return;
      }
      return;
    }
    const family = this.familyAt(object);
    if (name === 'length' && (family === 'typed-array' || family === 'string')) allowed = true;
    if (name === 'charCodeAt' && family === 'string' && calledWith(1)) allowed = true;
    if ((name === 'copyWithin' || name === 'set' || name === 'subarray' || name === 'fill') && family === 'typed-array') {
      const problem = this.byteCopyProblem(node, name);
      if (problem !== undefined) {
        this.report('no-member-access', node, problem);
        return;
      }
      allowed = true;
    }
    if (!allowed) {
      const symbol = ts.isIdentifier(object) ? this.resolve(object) : undefined;
      if (ts.isIdentifier(object) && !symbol) return; // an unresolved name is a type error (code 100)
      const freeGlobal = symbol !== undefined && this.isLibSymbol(symbol) && !ALLOWED_GLOBALS.has(object.getText(this.file));
      if (freeGlobal) {
        this.visit(object, depth); // reported once, as a free identifier
        return;
      }
      this.report('no-member-access', node, `\`.${name}\` is not allowed here`);
      if (symbol !== undefined && this.isLibSymbol(symbol)) return; // `Uint8Array.from`: one report
    }
    this.visit(object, depth);
  }

  /** Returns true when the children should still be visited. */
  private checkBinary(node: ts.BinaryExpression, depth: number): boolean {
    const op = node.operatorToken.kind;
    const K = ts.SyntaxKind;
    switch (op) {
      case K.SlashToken: {
        const parent = valueParent(node);
        const wrapped = ts.isBinaryExpression(parent) && skipParentheses(parent.left) === node &&
          (parent.operatorToken.kind === K.BarToken || parent.operatorToken.kind === K.GreaterThanGreaterThanGreaterThanToken) &&
          literalValue(parent.right) === 0;
        if (!wrapped) this.report('integer-division', node, 'write the division as `(a / b) | 0` or `(a / b) >>> 0`');
        if (this.constantValue(node.right) === 0) this.report('integer-division', node, 'division by zero');
        break;
      }
      case K.PercentToken:
      case K.PercentEqualsToken:
        if (this.constantValue(node.right) === 0) this.report('integer-division', node, 'remainder by zero');
        break;
      case K.SlashEqualsToken:
        this.report('integer-division', node, '`/=` is not allowed; write `a = (a / b) | 0`');
        break;
      case K.AsteriskToken:
      case K.AsteriskEqualsToken: {
        const small = (e: ts.Expression): boolean => {
          const v = this.constantValue(e);
          return v !== undefined && Math.abs(v) <= SAFE_FACTOR;
        };
        if (!small(node.right) && (op === K.AsteriskEqualsToken || !small(node.left))) {
          this.report('safe-multiply', node, 'neither factor is an integer constant of magnitude <= 2^21; use Math.imul(a, b)');
        }
        break;
      }
      case K.AsteriskAsteriskToken:
      case K.AsteriskAsteriskEqualsToken:
        this.report('no-exponent', node, '`**` is not allowed');
        break;
      case K.EqualsEqualsToken:
      case K.ExclamationEqualsToken:
        this.report('no-loose-equality', node.operatorToken, `\`${node.operatorToken.getText(this.file)}\` is not allowed`);
        break;
      case K.InKeyword:
      case K.InstanceOfKeyword:
        this.report('no-dynamic-operator', node, `\`${node.operatorToken.getText(this.file)}\` is not allowed`);
        break;
      case K.QuestionQuestionToken:
      case K.QuestionQuestionEqualsToken:
        this.report('no-nullish', node, `\`${node.operatorToken.getText(this.file)}\` is not allowed`);
        break;
      case K.CommaToken: {
        let top: ts.Node = node;
        while (ts.isBinaryExpression(top.parent) && top.parent.operatorToken.kind === K.CommaToken) top = top.parent;
        const inForUpdate = ts.isForStatement(top.parent) && top.parent.incrementor === top;
        if (!inForUpdate && top === node) this.report('no-comma', node, 'the comma operator is not allowed');
        break;
      }
      case K.EqualsToken:
        if (ts.isObjectLiteralExpression(node.left) || ts.isArrayLiteralExpression(node.left)) {
          this.report('no-destructuring', node.left, 'destructuring assignments are not allowed');
          this.visit(node.right, depth);
          return false;
        }
        break;
    }
    if (op === K.LessThanToken || op === K.LessThanEqualsToken || op === K.GreaterThanToken ||
      op === K.GreaterThanEqualsToken || op === K.SlashToken || op === K.PercentToken ||
      op === K.SlashEqualsToken || op === K.PercentEqualsToken) {
      for (const operand of [node.left, node.right]) {
        if (this.isUnsignedOperand(operand)) {
          this.report('no-unsigned-operand', operand, `\`${operand.getText(this.file)}\` may be >= 2^31`);
        }
      }
    }
    return true;
  }

  /**
   * An integer literal, `-literal`, or a name whose type is a number literal type (a `const`
   * initialized with a literal, also across imports); undefined otherwise.
   */
  private constantValue(expression: ts.Expression): number | undefined {
    const literal = literalValue(expression);
    if (literal !== undefined) return literal;
    const inner = skipParentheses(expression);
    if (!ts.isIdentifier(inner)) return undefined;
    const type = this.checker.getTypeAtLocation(inner);
    return type.isNumberLiteral() ? type.value : undefined;
  }

  /** `x >>> 0` (or a `>>>` by a non-literal count) and constants >= 2^31. */
  private isUnsignedOperand(expression: ts.Expression): boolean {
    const inner = skipParentheses(expression);
    const value = this.constantValue(inner);
    if (value !== undefined) return value >= MIN_SIGNED_MAGNITUDE;
    if (ts.isBinaryExpression(inner) && inner.operatorToken.kind === ts.SyntaxKind.GreaterThanGreaterThanGreaterThanToken) {
      const count = literalValue(inner.right);
      return count === undefined || (count & 31) === 0;
    }
    return false;
  }
}
