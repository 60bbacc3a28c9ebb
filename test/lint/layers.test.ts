// The layer rule of `npm run lint` (eslint/layers.mjs, DESIGN.md section 3),
// run through ESLint with the project's own configuration on files placed in
// src/: an import against the layer order is an error, one along it is not.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const ROOT = join(__dirname, '..', '..');

async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await new ESLint({ cwd: ROOT }).lintText(code, { filePath: join(ROOT, file) });
  return result.messages.filter((m) => m.ruleId === 'layers/import-order').map((m) => m.message);
}

describe('lint: the layer order', function () {
  this.timeout(30_000);

  const cases: { file: string; imports: string; wrong?: string }[] = [
    { file: 'src/yang/probe.ts', imports: '../netconf/server', wrong: 'src/yang/probe (layer yang) imports src/netconf/server (layer netconf)' },
    { file: 'src/model/probe.ts', imports: '../yang/schema', wrong: '(layer model) imports src/yang/schema (layer yang)' },
    { file: 'src/datastore/probe.ts', imports: '../netconf/nacm', wrong: '(layer datastore) imports src/netconf/nacm (layer netconf)' },
    { file: 'src/netconf/probe.ts', imports: '../bgp/engine', wrong: '(layer netconf) imports src/bgp/engine (layer bgp)' },
    { file: 'src/bgp/probe.ts', imports: '../model/xml', wrong: '(layer bgp) imports src/model/xml (layer model)' },
    { file: 'src/bgp/wire/probe.ts', imports: '../engine', wrong: '(layer bgp/wire) imports src/bgp/engine (layer bgp)' },
    { file: 'src/services/probe.ts', imports: '../server/server', wrong: '(layer services) imports src/server/server (layer server)' },
    { file: 'src/yang/probe.ts', imports: '../model/xml' },
    { file: 'src/netconf/probe.ts', imports: '../datastore/store' },
    { file: 'src/services/probe.ts', imports: '../bgp/engine' },
    { file: 'src/bgp/probe.ts', imports: '../log' },
    { file: 'src/bgp/probe.ts', imports: './wire/codec' },
    { file: 'src/cli/probe.ts', imports: '../server/server' },
  ];
  for (const c of cases) {
    it(`${c.file} importing ${c.imports}: ${c.wrong ? 'an error' : 'allowed'}`, async () => {
      const errors = await layerErrors(c.file, `export * from '${c.imports}';\nexport const probe = import('${c.imports}');\n`);
      if (c.wrong) {
        assert.equal(errors.length, 2, 'the export and the dynamic import');
        for (const e of errors) assert.ok(e.includes(c.wrong) && e.includes('layers bottom up are log < model < yang'), e);
      } else {
        assert.deepEqual(errors, []);
      }
    });
  }
});
