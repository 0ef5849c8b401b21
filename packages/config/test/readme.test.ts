import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CORRECTIONS, configSchema, envName } from '../src/index.js';
import { renderReference, updateReadme } from '../src/options-reference.js';
import type { SchemaNode } from '../src/schema.js';

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');

/** Dotted paths of every leaf option in the schema, with `<name>` for map entries. */
function leaves(node: SchemaNode, prefix: string[] = []): string[] {
  const out: string[] = [];
  const visit = (n: SchemaNode) => {
    for (const [key, child] of Object.entries(n.properties ?? {})) {
      if (key === '$schema' || (key === 'kind' && prefix.at(-1) === 'l2' && n !== node)) continue;
      out.push(...leaves(child, [...prefix, key]));
    }
  };
  if (typeof node.additionalProperties === 'object') {
    return leaves(node.additionalProperties, [
      ...prefix,
      prefix.at(-1) === 'namespaces' ? '<namespace>' : '<rule>',
    ]);
  }
  if (node.oneOf) {
    out.push(`${[...prefix, 'kind'].join('.')}`);
    for (const branch of node.oneOf) visit(branch);
    return out;
  }
  if (node.type === 'object' && node.properties) {
    visit(node);
    return out;
  }
  out.push(prefix.join('.'));
  if (node.else) out.push(...leaves(node.else, prefix).filter((p) => p !== prefix.join('.')));
  return out;
}

describe('README', () => {
  it('contains the options reference generated from the current schema (run `pnpm --filter @cachestack/config docs`)', () => {
    expect(
      updateReadme(readme) === readme,
      'README.md is out of date: run pnpm --filter @cachestack/config docs',
    ).toBe(true);
  });

  it('documents every option of the schema with its environment variable', () => {
    const reference = renderReference();
    const paths = leaves(configSchema);
    expect(paths.length).toBeGreaterThan(50);
    for (const path of paths) {
      expect(reference, path).toContain(`\`${path}\``);
      expect(reference, path).toContain(`\`${envName(path.split('.'))}\``);
    }
  });

  it('documents every correction', () => {
    for (const { id } of CORRECTIONS) expect(readme).toContain(`\`${id}\``);
  });

  it('refuses a README without markers', () => {
    expect(() => updateReadme('# nothing here')).toThrow(/markers/);
  });
});
