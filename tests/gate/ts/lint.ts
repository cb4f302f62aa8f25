// The journey's promise, checked on its syntax tree (tsc's own parser): no non-null assertion
// (`x!`), no cast (`x as T`, `<T>x`), no `any` type, no type-ignore comment
// (@ts-ignore, @ts-expect-error, @ts-nocheck). A spec that cannot be typed cleanly shows up here
// or in strict tsc, not as a workaround in the journey.
//   tsx lint.ts FILE...   (exit 1 and one line per finding)
import { readFileSync } from 'node:fs';

import ts from 'typescript';

let found = 0;
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, 'utf8');
  const src = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const report = (pos: number, what: string): void => {
    const { line, character } = src.getLineAndCharacterOfPosition(pos);
    console.log(`${file}:${line + 1}:${character + 1}: ${what}`);
    found++;
  };
  const visit = (node: ts.Node): void => {
    if (ts.isNonNullExpression(node)) report(node.getStart(src), `non-null assertion: ${node.getText(src)}`);
    else if (ts.isAsExpression(node)) report(node.getStart(src), `cast: ${node.getText(src)}`);
    else if (ts.isTypeAssertionExpression(node)) report(node.getStart(src), `cast: ${node.getText(src)}`);
    else if (node.kind === ts.SyntaxKind.AnyKeyword) report(node.getStart(src), 'the any type');
    ts.forEachChild(node, visit);
  };
  visit(src);
  for (const m of text.matchAll(/@ts-(ignore|expect-error|nocheck)/g)) report(m.index, `type-ignore comment: ${m[0]}`);
}
if (found > 0) {
  console.log(`${found} forbidden constructs (non-null assertions, casts, any, type-ignores)`);
  process.exitCode = 1;
}
