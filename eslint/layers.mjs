// The layers of src/ (DESIGN.md section 3), and the lint rule that holds
// imports to them. Two stacks, each bottom up: a file imports from its own
// layer and the layers below it in its stack; `uses` names a layer of the
// other stack that a layer (and every layer above it) may import, with the
// layers below that one.
import path from 'node:path';

export const STACKS = [
  [
    { layer: 'log', paths: ['src/log'] },
    { layer: 'model', paths: ['src/model/'] },
    { layer: 'yang', paths: ['src/yang/'] },
    { layer: 'datastore', paths: ['src/datastore/'] },
    { layer: 'netconf', paths: ['src/netconf/'] },
    { layer: 'services', paths: ['src/services/'], uses: ['bgp'] },
    { layer: 'server', paths: ['src/server/'] },
    { layer: 'lab', paths: ['src/lab/'] },
    { layer: 'cli', paths: ['src/cli/'] },
  ],
  [
    { layer: 'bgp/wire', paths: ['src/bgp/wire/'] },
    { layer: 'bgp', paths: ['src/bgp/'], uses: ['log'] },
  ],
];

const LAYERS = STACKS.flatMap((stack, s) => stack.map((l, i) => ({ ...l, stack: s, index: i })));

/** The layer of a path relative to the repository root, without its extension: the longest matching entry. */
function layerOf(file) {
  let found;
  for (const l of LAYERS) {
    for (const p of l.paths) {
      const match = p.endsWith('/') ? file.startsWith(p) : file === p;
      if (match && (!found || p.length > found.length)) found = { layer: l, length: p.length };
    }
  }
  return found?.layer;
}

/** `from` may import `to`. */
function allowed(from, to) {
  if (from.stack === to.stack) return to.index <= from.index;
  return STACKS[from.stack].slice(0, from.index + 1).some((l) =>
    (l.uses ?? []).some((name) => {
      const used = LAYERS.find((u) => u.layer === name);
      return used !== undefined && used.stack === to.stack && to.index <= used.index;
    }),
  );
}

const order = STACKS.map((stack) => stack.map((l) => l.layer).join(' < ')).join('; ');

export const layersPlugin = {
  rules: {
    'import-order': {
      meta: { type: 'problem', docs: { description: 'imports follow the layer order of DESIGN.md section 3' }, schema: [] },
      create(context) {
        const root = context.cwd;
        const file = path.relative(root, context.filename).replace(/\.ts$/, '');
        const from = layerOf(file);
        const check = (node, source) => {
          if (typeof source !== 'string' || !source.startsWith('.')) return;
          const target = path.relative(root, path.resolve(path.dirname(context.filename), source)).replace(/\.ts$/, '');
          const to = layerOf(target);
          if (!from || !to || allowed(from, to)) return;
          context.report({ node, message: `${file} (layer ${from.layer}) imports ${target} (layer ${to.layer}): layers bottom up are ${order}` });
        };
        const fromSource = (node) => node.source && check(node.source, node.source.value);
        return {
          ImportDeclaration: fromSource,
          ExportNamedDeclaration: fromSource,
          ExportAllDeclaration: fromSource,
          ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
        };
      },
    },
  },
};
