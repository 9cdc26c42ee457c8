#!/usr/bin/env node
// Prints the longest functions of each package (lines from the declaration to its closing brace), so that a change
// can say "core's longest function went from N to M lines". Tests and fixtures are counted apart: `--tests` adds them.
// Usage: node scripts/longest-functions.mjs [--top N] [--tests] [package-dir-name …]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const top = Number(args[args.indexOf('--top') + 1]) || 5;
const withTests = args.includes('--tests');
const only = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--top');
const isTest = (file) => /\.(test|fixture)\.ts$/.test(file);

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|mts)$/.test(name) && !name.endsWith('.d.ts') && (withTests || !isTest(name))) yield path;
  }
}

/** The name a function is known by: its own, its variable's, its property's or its class member's. */
function nameOf(node, sf) {
  const own = node.name?.getText(sf);
  const parent = node.parent;
  const outer = ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent) ? parent.name.getText(sf) : undefined;
  const name = own ?? outer ?? '(anonymous)';
  const cls = ts.isClassLike(parent) && parent.name ? `${parent.name.getText(sf)}.` : '';
  return `${cls}${name}`;
}

function functionsOf(file) {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found = [];
  const visit = (node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      found.push({ name: nameOf(node, sf), lines: end - start + 1, where: `${relative(ROOT, file)}:${start + 1}` });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

const packagesDir = join(ROOT, 'packages');
for (const pkg of readdirSync(packagesDir).sort()) {
  if (only.length > 0 && !only.includes(pkg)) continue;
  const src = join(packagesDir, pkg, 'src');
  let all = [];
  try {
    for (const file of sourceFiles(src)) all = all.concat(functionsOf(file));
  } catch {
    continue;
  }
  all.sort((a, b) => b.lines - a.lines);
  console.log(`${pkg}: longest ${all[0]?.lines ?? 0} lines`);
  for (const f of all.slice(0, top)) console.log(`  ${String(f.lines).padStart(4)}  ${f.name}  ${f.where}`);
}
