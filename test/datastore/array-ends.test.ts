import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { applyEdit, EditOptions } from '../../src/datastore/edit';
import { keptEnds, sharedEnds } from '../../src/model/array-ends';
import { elem, XmlAttribute, XmlElement } from '../../src/model/xml';
import { SchemaRegistry } from '../../src/yang/registry';
import { prng } from '../helpers/prng';

const NC = 'urn:ietf:params:xml:ns:netconf:base:1.0';
const YANG = 'urn:ietf:params:xml:ns:yang:1';
const AE = 'urn:ncbgp:test:array-ends';
const MERGE: EditOptions = { defaultOperation: 'merge', errorOption: 'stop-on-error' };

const MODULE = `module array-ends-test {
  yang-version 1.1;
  namespace "${AE}";
  prefix ae;
  container top {
    leaf a { type string; }
    list sys { key k; leaf k { type uint16; } leaf v { type string; } }
    list ulist { key k; ordered-by user; leaf k { type uint16; } leaf v { type string; } }
    leaf-list ord { type uint16; ordered-by user; }
  }
}`;

const el = (name: string, children: XmlElement[] | string, attrs: XmlAttribute[] = []): XmlElement => elem(AE, name, children, attrs);
const op = (value: string): XmlAttribute => ({ ns: NC, name: 'operation', value });
const yang = (name: string, value: string): XmlAttribute => ({ ns: YANG, name, value });

describe('model/array-ends (kept ends of an edited child array)', () => {
  let dir: string;
  let t: SchemaRegistry;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ncbgp-ends-'));
    writeFileSync(path.join(dir, 'array-ends-test.yang'), MODULE);
    t = SchemaRegistry.load(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a record is used only for the pair of arrays it was made for, and never claims more than both lengths', () => {
    const a = [el('x', '1'), el('x', '2'), el('x', '3')];
    const b = [...a, el('x', '4')];
    keptEnds(a, b, 3, 9);
    assert.deepEqual(sharedEnds(a, b), { prefix: 3, suffix: 0 });
    assert.deepEqual(sharedEnds(a, [...b]), { prefix: 0, suffix: 0 });
    assert.deepEqual(sharedEnds(b, a), { prefix: 0, suffix: 0 });
  });

  it('800 random edits of lists of about 100 entries: the kept ends an edit records are ends the arrays share', () => {
    const r = prng(20261203);
    const fill: XmlElement[] = [el('a', 'x')];
    for (let k = 0; k < 100; k++) fill.push(el('sys', [el('k', String(k)), el('v', 'v')]));
    for (let k = 0; k < 100; k++) fill.push(el('ulist', [el('k', String(k)), el('v', 'v')]));
    for (let k = 0; k < 100; k++) fill.push(el('ord', String(k)));
    let content = applyEdit(t, [], [el('top', fill)], MERGE).content;
    let used = 0;
    for (let step = 0; step < 800; step++) {
      const k = String(Math.floor(r() * 130));
      const ref = String(Math.floor(r() * 100));
      const where = ['first', 'last', 'before', 'after'][Math.floor(r() * 4)];
      const place = (key: string, value: string): XmlAttribute[] => (where === 'first' || where === 'last' ? [yang('insert', where)] : [yang('insert', where), yang(key, value)]);
      const edits: XmlElement[][] = [
        [el('sys', [el('k', k), el('v', String(step))])],
        [el('sys', [el('k', k)], [op('remove')])],
        [el('ulist', [el('k', k), el('v', String(step))], place('key', `[ae:k='${ref}']`))],
        [el('ulist', [el('k', k)], [op('remove')])],
        [el('ord', k, place('value', ref))],
        [el('ord', k, [op('remove')])],
        [el('a', String(step)), el('sys', [el('k', k), el('v', 'w')])],
      ];
      const res = applyEdit(t, content, [el('top', edits[Math.floor(r() * edits.length)])], MERGE);
      if (res.errors.length) continue;
      const before = content[0].children;
      const now = res.content[0].children;
      if (before !== now) {
        const hint = sharedEnds(before, now);
        assert.ok(hint.prefix + hint.suffix <= Math.min(before.length, now.length), `step ${step}`);
        for (let i = 0; i < hint.prefix; i++) assert.equal(before[i], now[i], `step ${step}: prefix ${i}`);
        for (let j = 0; j < hint.suffix; j++) assert.equal(before[before.length - 1 - j], now[now.length - 1 - j], `step ${step}: suffix ${j}`);
        if (hint.prefix + hint.suffix > 0) used++;
      }
      content = res.content;
    }
    assert.ok(used > 400, `records used: ${used}`);
  });
});
