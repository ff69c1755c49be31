/**
 * `node scripts/dead-exports.ts`: lists every export of a production file in src/ that no other
 * file imports — not through the room's door, not directly, not by a lazy `import()` — and exits 1
 * when there is one. `npm test` runs it: an export nobody uses is a promise nobody keeps (delete it,
 * or drop the `export`). Re-exports count on their own, so a door that offers what no one takes
 * is reported too.
 */
import { relative, resolve } from "node:path";
import ts from "typescript";

const ROOT = resolve(import.meta.dirname, "..");

function loadProgram(root: string): ts.Program {
  const configPath = resolve(root, "tsconfig.json");
  const read = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
  if (read.error !== undefined) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, "\n"));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root);
  return ts.createProgram(parsed.fileNames, parsed.options);
}

/** Exports that code outside the type-checked program imports: the bin's plain-JavaScript entry point. */
const ENTRY_POINTS: Record<string, readonly string[]> = { "src/cli/main.ts": ["main"] };

const isProduction = (root: string, file: ts.SourceFile): boolean => {
  const path = relative(root, file.fileName);
  return path.startsWith("src/") && path.endsWith(".ts") && !path.endsWith(".test.ts") && !file.isDeclarationFile;
};

/** The export symbols of every module some file imports, each link of an alias chain included. */
function usedExports(root: string, program: ts.Program, checker: ts.TypeChecker): { used: Set<ts.Symbol>; wholeModules: Set<ts.Symbol> } {
  const used = new Set<ts.Symbol>();
  const wholeModules = new Set<ts.Symbol>();
  const follow = (start: ts.Symbol | undefined): void => {
    let s = start;
    for (let hops = 0; s !== undefined && hops < 32; hops++) {
      used.add(s);
      if ((s.flags & ts.SymbolFlags.Alias) === 0) return;
      s = checker.getImmediateAliasedSymbol(s);
    }
  };
  const moduleOf = (specifier: ts.Expression): ts.Symbol | undefined => checker.getSymbolAtLocation(specifier);
  /**
   * The names a lazy `import()` takes — `(await import(x)).name` or `const { a, b } = await
   * import(x)` — or null when it keeps the whole module.
   */
  const lazyNames = (call: ts.CallExpression): string[] | null => {
    let node: ts.Node = call;
    while (ts.isAwaitExpression(node.parent) || ts.isParenthesizedExpression(node.parent)) node = node.parent;
    const parent = node.parent;
    if (ts.isPropertyAccessExpression(parent) && parent.expression === node) return [parent.name.text];
    if (ts.isVariableDeclaration(parent) && ts.isObjectBindingPattern(parent.name)) {
      const names: string[] = [];
      for (const el of parent.name.elements) {
        const key = el.propertyName ?? el.name;
        if (el.dotDotDotToken !== undefined || !ts.isIdentifier(key)) return null;
        names.push(key.text);
      }
      return names;
    }
    return null;
  };

  for (const file of program.getSourceFiles()) {
    if (file.isDeclarationFile || relative(root, file.fileName).startsWith("node_modules")) continue;
    const visit = (node: ts.Node): void => {
      if (ts.isImportDeclaration(node) && node.importClause !== undefined) {
        const clause = node.importClause;
        if (clause.name !== undefined) follow(checker.getSymbolAtLocation(clause.name));
        const bindings = clause.namedBindings;
        if (bindings !== undefined && ts.isNamedImports(bindings)) for (const el of bindings.elements) follow(checker.getSymbolAtLocation(el.name));
        if (bindings !== undefined && ts.isNamespaceImport(bindings)) {
          const m = moduleOf(node.moduleSpecifier);
          if (m !== undefined) wholeModules.add(m);
        }
      } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined && node.exportClause === undefined) {
        // `export * from`: the door offers the whole module; count each name once it is imported.
        const m = moduleOf(node.moduleSpecifier);
        if (m !== undefined) wholeModules.add(m);
      } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
        const arg = node.arguments[0];
        const m = arg !== undefined ? moduleOf(arg) : undefined;
        if (m !== undefined) {
          const names = lazyNames(node);
          if (names === null) wholeModules.add(m);
          else for (const name of names) follow(checker.getExportsOfModule(m).find((e) => e.name === name));
        }
      } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
        const m = checker.getSymbolAtLocation(node.argument.literal);
        if (m !== undefined) wholeModules.add(m);
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return { used, wholeModules };
}

/** The dead exports of the project at `root` (its tsconfig.json), as "file:line: name …" lines. */
export function deadExports(root = ROOT): string[] {
  const program = loadProgram(root);
  const checker = program.getTypeChecker();
  const { used, wholeModules } = usedExports(root, program, checker);
  const dead: string[] = [];
  for (const file of program.getSourceFiles()) {
    if (!isProduction(root, file)) continue;
    const module = checker.getSymbolAtLocation(file);
    if (module === undefined || wholeModules.has(module)) continue;
    const entry = ENTRY_POINTS[relative(root, file.fileName)] ?? [];
    for (const sym of checker.getExportsOfModule(module)) {
      if (used.has(sym) || entry.includes(sym.name)) continue;
      const decl = sym.declarations?.[0];
      const line = decl !== undefined ? file.getLineAndCharacterOfPosition(decl.getStart()).line + 1 : 0;
      dead.push(`${relative(root, file.fileName)}:${line}: ${sym.name} is exported but never imported`);
    }
  }
  return dead.sort();
}

if (import.meta.main) {
  const dead = deadExports();
  for (const line of dead) process.stdout.write(`${line}\n`);
  if (dead.length > 0) {
    process.stdout.write(`${dead.length} dead export${dead.length === 1 ? "" : "s"}: remove them or drop the export keyword\n`);
    process.exitCode = 1;
  }
}
