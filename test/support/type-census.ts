/**
 * A census of the concepts declared in src: every interface, class, object type and zod
 * object schema at the top of a module, with its fields and what it derives from. It finds
 * the same concept declared twice (test/unit/one-type-per-concept.test.ts): one exported
 * name declared in two files, or two shapes restating three or more of the same fields
 * where neither is made from the other (extends, Pick/Omit, z.extend, spread of a schema's
 * shape) nor both from one base.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

export interface Shape {
  file: string;
  line: number;
  name: string;
  exported: boolean;
  /** Own fields (not those it derives). */
  fields: string[];
  /** Names it is made from: heritage clauses, type references, schemas it extends or spreads. */
  from: Set<string>;
  /** Whether this declares something (a derivation such as `type X = Pick<Y, 'a'>` declares nothing new). */
  primary: boolean;
}

/** The top-level shapes of every .ts/.tsx file below `dir`. */
export function census(root: string, dir: string): Shape[] {
  return files(join(root, dir)).flatMap((f) => shapesOf(relative(root, f).split('\\').join('/'), readFileSync(f, 'utf8')));
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return files(p);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

const SCHEMA_CALLS = new Set(['object', 'strictObject', 'looseObject', 'extend']);
/** Names two shapes may both mention without sharing a base. */
const UTILITY_TYPES = new Set(['Pick', 'Omit', 'Partial', 'Required', 'Readonly', 'Record', 'Array', 'ReadonlyArray', 'Promise', 'Set', 'Map', 'ReadonlySet', 'ReadonlyMap', 'Error']);

/** The top-level shapes of one module's source. */
export function shapesOf(file: string, text: string): Shape[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const out: Shape[] = [];
  const line = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart()).line + 1;
  const exported = (n: ts.Node) => ts.canHaveModifiers(n) && (ts.getModifiers(n) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  for (const st of sf.statements) {
    if (ts.isInterfaceDeclaration(st)) {
      out.push({ file, line: line(st), name: st.name.text, exported: exported(st), fields: fieldsOf(st.members), from: namesIn(st.heritageClauses ?? []), primary: true });
    } else if (ts.isClassDeclaration(st) && st.name) {
      const fields = fieldsOf(st.members);
      const ctor = st.members.find(ts.isConstructorDeclaration);
      for (const p of ctor?.parameters ?? []) if (ts.isIdentifier(p.name) && (ts.getModifiers(p) ?? []).some((m) => m.kind === ts.SyntaxKind.ReadonlyKeyword || m.kind === ts.SyntaxKind.PublicKeyword)) fields.push(p.name.text);
      out.push({ file, line: line(st), name: st.name.text, exported: exported(st), fields, from: namesIn(st.heritageClauses ?? []), primary: true });
    } else if (ts.isTypeAliasDeclaration(st)) {
      const literals = ts.isTypeLiteralNode(st.type) ? [st.type] : ts.isIntersectionTypeNode(st.type) ? st.type.types.filter(ts.isTypeLiteralNode) : [];
      // A union or an alias of other types names a choice or a derivation; a literal declares fields.
      const primary = literals.length > 0 || ts.isUnionTypeNode(st.type) || ts.isLiteralTypeNode(st.type) || ts.isFunctionTypeNode(st.type);
      out.push({ file, line: line(st), name: st.name.text, exported: exported(st), fields: literals.flatMap((l) => fieldsOf(l.members)), from: namesIn([st.type], true), primary });
    } else if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) {
        const call = d.initializer && schemaCall(d.initializer);
        if (!ts.isIdentifier(d.name) || !call) continue;
        const shape = call.arguments.find(ts.isObjectLiteralExpression);
        const props = shape?.properties ?? [];
        const fields: string[] = [];
        const bases: ts.Node[] = call.arguments.filter((a) => a !== shape);
        for (const p of props) {
          if (ts.isSpreadAssignment(p)) bases.push(p.expression); // made from: a schema's shape spread in
          else if ((ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p)) && propName(p.name)) fields.push(propName(p.name)!);
        }
        out.push({ file, line: line(d), name: d.name.text, exported: exported(st), fields, from: namesIn(bases), primary: true });
      }
    }
  }
  return out;
}

function schemaCall(e: ts.Expression): ts.CallExpression | null {
  if (ts.isSatisfiesExpression(e) || ts.isAsExpression(e)) return schemaCall(e.expression);
  if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && SCHEMA_CALLS.has(e.expression.name.text)) return e;
  return null;
}

function fieldsOf(members: ts.NodeArray<ts.TypeElement | ts.ClassElement>): string[] {
  const out: string[] = [];
  for (const m of members) {
    if (!(ts.isPropertySignature(m) || ts.isMethodSignature(m) || ts.isPropertyDeclaration(m) || ts.isGetAccessorDeclaration(m))) continue;
    if ((ts.canHaveModifiers(m) ? ts.getModifiers(m) ?? [] : []).some((x) => x.kind === ts.SyntaxKind.PrivateKeyword || x.kind === ts.SyntaxKind.StaticKeyword)) continue;
    const n = m.name && propName(m.name);
    if (n) out.push(n);
  }
  return out;
}

function propName(n: ts.PropertyName): string | null {
  return ts.isIdentifier(n) || ts.isStringLiteral(n) ? n.text : null;
}

/** Every identifier the nodes mention (the names a declaration is made from); `skipLiterals`: not inside an object type's own fields. */
function namesIn(nodes: readonly ts.Node[], skipLiterals = false): Set<string> {
  const out = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (skipLiterals && ts.isTypeLiteralNode(n)) return;
    if (ts.isIdentifier(n)) out.add(n.text);
    ts.forEachChild(n, visit);
  };
  for (const n of nodes) visit(n);
  return out;
}

/** Exported declarations of one name in two or more files, unless the later ones are made from the first. */
export function sameNames(shapes: readonly Shape[], allowed: ReadonlySet<string>): string[] {
  const byName = new Map<string, Shape[]>();
  for (const s of shapes) if (s.exported && s.primary) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  const out: string[] = [];
  for (const [name, list] of byName) {
    const inFiles = new Set(list.map((s) => s.file));
    if (inFiles.size > 1 && !allowed.has(name)) out.push(`${name}: ${[...inFiles].join(', ')}`);
  }
  return out;
}

/**
 * Pairs of shapes that restate at least `min` of the same fields while neither is made
 * from the other and they share no base. Bags of dependencies and options (…Deps,
 * …Options, Services) share field names like `store` and `log` by nature and are left out.
 */
export function restatedFields(shapes: readonly Shape[], allowedPairs: ReadonlySet<string>, min = 3): string[] {
  const bag = /(Deps|Options|Services)$/;
  const list = shapes.filter((s) => s.fields.length >= min && !bag.test(s.name));
  const out: string[] = [];
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const a = list[i]!;
      const b = list[j]!;
      if (a.from.has(b.name) || b.from.has(a.name)) continue;
      if ([...a.from].some((n) => /^[A-Z]/.test(n) && !UTILITY_TYPES.has(n) && b.from.has(n))) continue;
      const theirs = new Set(b.fields);
      const shared = [...new Set(a.fields)].filter((f) => theirs.has(f));
      if (shared.length < min) continue;
      const key = [`${a.file}#${a.name}`, `${b.file}#${b.name}`].sort().join(' ~ ');
      if (!allowedPairs.has(key)) out.push(`${key}: ${shared.join(', ')}`);
    }
  }
  return out;
}
