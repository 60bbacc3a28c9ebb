import assert from 'node:assert/strict';
import { applySubtreeFilter, notificationMatches } from '../../src/netconf/subtree-filter';
import { elem, parseXml, serialize, XmlElement } from '../../src/model/xml';

const CFG = 'http://example.com/schema/1.2/config';
const STATS = 'http://example.com/schema/1.2/stats';
const OTHER = 'http://example.com/schema/9.9/other';
const REFRESH = 'urn:ncbgp:yang:ncbgp-refresh';

/** Top-level elements of an XML fragment (may hold several roots, or none). */
const fragment = (xml: string): XmlElement[] => parseXml(`<fragment>${xml}</fragment>`).children;
/** The filter's children, as the <get>/<get-config> handler passes them. */
const filterOf = (body: string): XmlElement[] => parseXml(`<filter type="subtree">${body}</filter>`).children;
const canonical = (els: readonly XmlElement[]): string => els.map((e) => serialize(e)).join('');

// RFC 6241 6.4.3: the fully populated <users> data model of the examples.
const USERS_DATA = `
<top xmlns="${CFG}">
  <users>
    <user>
      <name>root</name>
      <type>superuser</type>
      <full-name>Charlie Root</full-name>
      <company-info>
        <dept>1</dept>
        <id>1</id>
      </company-info>
    </user>
    <user>
      <name>fred</name>
      <type>admin</type>
      <full-name>Fred Flintstone</full-name>
      <company-info>
        <dept>2</dept>
        <id>2</id>
      </company-info>
    </user>
    <user>
      <name>barney</name>
      <type>admin</type>
      <full-name>Barney Rubble</full-name>
      <company-info>
        <dept>2</dept>
        <id>3</id>
      </company-info>
    </user>
  </users>
</top>`;

// RFC 6241 6.4.8: interfaces named by an attribute.
const STATS_ATTR_DATA = `
<t:top xmlns:t="${STATS}">
  <t:interfaces>
    <t:interface t:ifName="eth0">
      <t:ifInOctets>45621</t:ifInOctets>
      <t:ifOutOctets>774344</t:ifOutOctets>
    </t:interface>
    <t:interface t:ifName="eth1">
      <t:ifInOctets>1</t:ifInOctets>
      <t:ifOutOctets>2</t:ifOutOctets>
    </t:interface>
  </t:interfaces>
</t:top>`;

// RFC 6241 6.4.8, second request: "ifName" as a child node.
const STATS_CHILD_DATA = `
<top xmlns="${STATS}">
  <interfaces>
    <interface>
      <ifName>eth0</ifName>
      <ifInOctets>45621</ifInOctets>
      <ifOutOctets>774344</ifOutOctets>
    </interface>
    <interface>
      <ifName>eth1</ifName>
      <ifInOctets>1</ifInOctets>
      <ifOutOctets>2</ifOutOctets>
    </interface>
  </interfaces>
</top>`;

const ALL_USERS = `
<top xmlns="${CFG}">
  <users>
    <user><name>root</name><type>superuser</type><full-name>Charlie Root</full-name><company-info><dept>1</dept><id>1</id></company-info></user>
    <user><name>fred</name><type>admin</type><full-name>Fred Flintstone</full-name><company-info><dept>2</dept><id>2</id></company-info></user>
    <user><name>barney</name><type>admin</type><full-name>Barney Rubble</full-name><company-info><dept>2</dept><id>3</id></company-info></user>
  </users>
</top>`;

const FRED = `
<top xmlns="${CFG}">
  <users>
    <user><name>fred</name><type>admin</type><full-name>Fred Flintstone</full-name><company-info><dept>2</dept><id>2</id></company-info></user>
  </users>
</top>`;

interface Case {
  name: string;
  data: string;
  filter: string;
  expected: string;
}

const RFC_6241_EXAMPLES: Case[] = [
  {
    // The caller leaves the data unfiltered; selecting every top-level node is the same.
    name: '6.4.1 no filter: the entire data model',
    data: USERS_DATA,
    filter: `<top xmlns="${CFG}"/>`,
    expected: ALL_USERS,
  },
  { name: '6.4.2 empty filter selects nothing', data: USERS_DATA, filter: '\n  ', expected: '' },
  { name: '6.4.3 select the entire <users> subtree', data: USERS_DATA, filter: `<top xmlns="${CFG}"><users/></top>`, expected: ALL_USERS },
  {
    name: '6.4.3 same result through <user/>, the only child of <users>',
    data: USERS_DATA,
    filter: `<top xmlns="${CFG}"><users><user/></users></top>`,
    expected: ALL_USERS,
  },
  {
    name: '6.4.4 all <name> elements within <users>',
    data: USERS_DATA,
    filter: `<top xmlns="${CFG}"><users><user><name/></user></users></top>`,
    expected: `<top xmlns="${CFG}"><users>
      <user><name>root</name></user><user><name>fred</name></user><user><name>barney</name></user>
    </users></top>`,
  },
  {
    name: '6.4.5 one specific <user> entry',
    data: USERS_DATA,
    filter: `<top xmlns="${CFG}"><users><user><name>fred</name></user></users></top>`,
    expected: FRED,
  },
  {
    name: '6.4.6 specific elements from a specific <user> entry',
    data: USERS_DATA,
    filter: `<top xmlns="${CFG}"><users><user><name>fred</name><type/><full-name/></user></users></top>`,
    expected: `<top xmlns="${CFG}"><users>
      <user><name>fred</name><type>admin</type><full-name>Fred Flintstone</full-name></user>
    </users></top>`,
  },
  {
    name: '6.4.7 multiple subtrees',
    data: USERS_DATA,
    filter: `
      <top xmlns="${CFG}">
        <users>
          <user>
            <name>root</name>
            <company-info/>
          </user>
          <user>
            <name>fred</name>
            <company-info>
              <id/>
            </company-info>
          </user>
          <user>
            <name>barney</name>
            <type>superuser</type>
            <company-info>
              <dept/>
            </company-info>
          </user>
        </users>
      </top>`,
    expected: `<top xmlns="${CFG}"><users>
      <user><name>root</name><company-info><dept>1</dept><id>1</id></company-info></user>
      <user><name>fred</name><company-info><id>2</id></company-info></user>
    </users></top>`,
  },
  {
    name: '6.4.8 elements with attribute naming',
    data: STATS_ATTR_DATA,
    filter: `<t:top xmlns:t="${STATS}"><t:interfaces><t:interface t:ifName="eth0"/></t:interfaces></t:top>`,
    expected: `<t:top xmlns:t="${STATS}"><t:interfaces>
      <t:interface t:ifName="eth0"><t:ifInOctets>45621</t:ifInOctets><t:ifOutOctets>774344</t:ifOutOctets></t:interface>
    </t:interfaces></t:top>`,
  },
  {
    name: '6.4.8 same selection with "ifName" as a child node',
    data: STATS_CHILD_DATA,
    filter: `<top xmlns="${STATS}"><interfaces><interface><ifName>eth0</ifName></interface></interfaces></top>`,
    expected: `<top xmlns="${STATS}"><interfaces>
      <interface><ifName>eth0</ifName><ifInOctets>45621</ifInOctets><ifOutOctets>774344</ifOutOctets></interface>
    </interfaces></top>`,
  },
];

const SEMANTICS: Case[] = [
  { name: '6.2.1 selection of the root element', data: USERS_DATA, filter: `<top xmlns="${CFG}"/>`, expected: ALL_USERS },
  {
    name: '6.2.4 whitespace-only content is a selection node, not a content match',
    data: USERS_DATA,
    filter: `<top xmlns="${CFG}"><users>  \n  </users></top>`,
    expected: ALL_USERS,
  },
  {
    name: '6.2.5 leading and trailing whitespace of a content match is ignored',
    data: USERS_DATA,
    filter: `<top xmlns="${CFG}"><users><user><name>  fred\n</name></user></users></top>`,
    expected: FRED,
  },
  {
    name: '6.2.5 content match nodes are ANDed: all true',
    data: USERS_DATA,
    filter: `<top xmlns="${CFG}"><users><user><name>fred</name><type>admin</type></user></users></top>`,
    expected: FRED,
  },
  {
    name: '6.2.5 content match nodes are ANDed: one false excludes the entry',
    data: USERS_DATA,
    filter: `<top xmlns="${CFG}"><users><user><name>fred</name><type>superuser</type></user></users></top>`,
    expected: '',
  },
  {
    name: '6.2.5 content match is exact (no substring, case-sensitive)',
    data: USERS_DATA,
    filter: `<top xmlns="${CFG}"><users><user><name>Fred</name></user><user><name>fre</name></user></users></top>`,
    expected: '',
  },
  {
    name: '6.2.5 a failed content match deep down prunes the whole path to the root',
    data: USERS_DATA,
    filter: `<top xmlns="${CFG}"><users><user><company-info><dept>9</dept></company-info></user></users></top>`,
    expected: '',
  },
  {
    name: '6.2.5 nested content match selects all siblings of the matching level',
    data: USERS_DATA,
    filter: `<top xmlns="${CFG}"><users><user><company-info><dept>2</dept></company-info></user></users></top>`,
    expected: `<top xmlns="${CFG}"><users>
      <user><company-info><dept>2</dept><id>2</id></company-info></user>
      <user><company-info><dept>2</dept><id>3</id></company-info></user>
    </users></top>`,
  },
  {
    name: '6.2.5 content match node is returned even when its containment sibling selects nothing',
    data: USERS_DATA,
    filter: `<top xmlns="${CFG}"><users><user><name>fred</name><company-info><no-such-leaf/></company-info></user></users></top>`,
    expected: `<top xmlns="${CFG}"><users><user><name>fred</name></user></users></top>`,
  },
  {
    name: '6.2.3 containment with nothing under it in the data selects nothing',
    data: USERS_DATA,
    filter: `<top xmlns="${CFG}"><groups/></top>`,
    expected: '',
  },
  {
    name: '6.2.2 attribute match expression with no matching value selects nothing',
    data: STATS_ATTR_DATA,
    filter: `<t:top xmlns:t="${STATS}"><t:interfaces><t:interface t:ifName="eth9"/></t:interfaces></t:top>`,
    expected: '',
  },
  {
    name: '6.2.2 an element without the attribute is not selected',
    data: STATS_CHILD_DATA,
    filter: `<t:top xmlns:t="${STATS}"><t:interfaces><t:interface t:ifName="eth0"/></t:interfaces></t:top>`,
    expected: '',
  },
  {
    name: '6.2.2 the namespace wildcard does not apply to attributes',
    data: STATS_ATTR_DATA,
    filter: `<t:top xmlns:t="${STATS}"><t:interfaces><t:interface ifName="eth0"/></t:interfaces></t:top>`,
    expected: '',
  },
  {
    name: '6.1 filter subtrees selecting the same data do not duplicate it',
    data: USERS_DATA,
    filter: `<top xmlns="${CFG}"><users/></top><top xmlns="${CFG}"><users><user><name>fred</name></user></users></top>`,
    expected: ALL_USERS,
  },
  {
    name: '6.1 two subtrees selecting parts of the same entry merge in document order',
    data: USERS_DATA,
    filter: `<top xmlns="${CFG}"><users>
      <user><name>fred</name><full-name/></user>
      <user><name>fred</name><type/></user>
    </users></top>`,
    expected: `<top xmlns="${CFG}"><users>
      <user><name>fred</name><type>admin</type><full-name>Fred Flintstone</full-name></user>
    </users></top>`,
  },
];

const NAMESPACES: Case[] = [
  { name: 'filter in another namespace selects nothing', data: USERS_DATA, filter: `<top xmlns="${OTHER}"><users/></top>`, expected: '' },
  {
    name: 'filter child in another namespace selects nothing',
    data: USERS_DATA,
    filter: `<top xmlns="${CFG}"><users xmlns="${OTHER}"/></top>`,
    expected: '',
  },
  { name: '6.2.1 filter in no namespace matches', data: USERS_DATA, filter: '<top><users><user><name>fred</name></user></users></top>', expected: FRED },
  {
    name: '6.2.1 filter child in no namespace (xmlns="") matches under a qualified parent',
    data: USERS_DATA,
    filter: `<top xmlns="${CFG}"><users xmlns=""><user><name>fred</name></user></users></top>`,
    expected: FRED,
  },
  {
    name: '6.2.1 filter in no namespace matches every namespace',
    data: `<top xmlns="${CFG}"><a>1</a></top><top xmlns="${OTHER}"><a>2</a></top>`,
    filter: '<top/>',
    expected: `<top xmlns="${CFG}"><a>1</a></top><top xmlns="${OTHER}"><a>2</a></top>`,
  },
  {
    name: 'qualified filter picks its namespace only',
    data: `<top xmlns="${CFG}"><a>1</a></top><top xmlns="${OTHER}"><a>2</a></top>`,
    filter: `<top xmlns="${OTHER}"/>`,
    expected: `<top xmlns="${OTHER}"><a>2</a></top>`,
  },
];

const TOP_LEVEL: Case[] = [
  {
    name: 'root subtrees are a union, in document order of the data',
    data: `<top xmlns="${CFG}"><a>1</a></top><system xmlns="${OTHER}"><hostname>r1</hostname></system>`,
    filter: `<system xmlns="${OTHER}"/><top xmlns="${CFG}"/>`,
    expected: `<top xmlns="${CFG}"><a>1</a></top><system xmlns="${OTHER}"><hostname>r1</hostname></system>`,
  },
  {
    name: 'root content match selects only the matching top-level leaf',
    data: `<hostname xmlns="${OTHER}">r1</hostname><top xmlns="${CFG}"><a>1</a></top>`,
    filter: `<hostname xmlns="${OTHER}">r1</hostname>`,
    expected: `<hostname xmlns="${OTHER}">r1</hostname>`,
  },
  {
    name: 'root content match that fails excludes the root sibling set (6.3)',
    data: `<hostname xmlns="${OTHER}">r1</hostname><top xmlns="${CFG}"><a>1</a></top>`,
    filter: `<hostname xmlns="${OTHER}">r2</hostname><top xmlns="${CFG}"/>`,
    expected: '',
  },
];

function runTable(title: string, cases: Case[]): void {
  describe(title, () => {
    for (const c of cases) {
      it(c.name, () => {
        const result = applySubtreeFilter(filterOf(c.filter), fragment(c.data));
        assert.equal(canonical(result), canonical(fragment(c.expected)));
      });
    }
  });
}

describe('subtree filter (RFC 6241 section 6)', () => {
  runTable('RFC 6241 section 6.4 examples', RFC_6241_EXAMPLES);
  runTable('node types and matching (6.2, 6.3)', SEMANTICS);
  runTable('namespace selection (6.2.1)', NAMESPACES);
  runTable('top-level sibling set', TOP_LEVEL);

  it('an empty <filter/> selects nothing', () => {
    assert.deepEqual(applySubtreeFilter(parseXml('<filter type="subtree"/>').children, fragment(USERS_DATA)), []);
  });

  it('returns a fresh tree that shares no element or children array with the data', () => {
    const data = fragment(USERS_DATA);
    const before = canonical(data);
    const result = applySubtreeFilter(filterOf(`<top xmlns="${CFG}"/>`), data);
    const dataNodes = new Set<unknown>();
    const walk = (e: XmlElement, visit: (x: XmlElement) => void): void => {
      visit(e);
      e.children.forEach((c) => walk(c, visit));
    };
    data.forEach((d) => walk(d, (x) => (dataNodes.add(x), dataNodes.add(x.children), dataNodes.add(x.attrs))));
    let count = 0;
    result.forEach((r) =>
      walk(r, (x) => {
        count++;
        assert.ok(!dataNodes.has(x) && !dataNodes.has(x.children) && !dataNodes.has(x.attrs), `${x.name} is aliased`);
      }),
    );
    assert.equal(count, 1 + 1 + 3 * (1 + 3 + 1 + 2));
    result[0].children[0].children.pop();
    result[0].children[0].children[0].text = 'changed';
    assert.equal(canonical(data), before);
  });

  it('links parents in the new tree', () => {
    const [top] = applySubtreeFilter(filterOf(`<top xmlns="${CFG}"><users><user><name>fred</name><type/></user></users></top>`), fragment(USERS_DATA));
    const user = top.children[0].children[0];
    assert.equal(user.parent, top.children[0]);
    assert.equal(user.children[1].parent, user);
  });

  describe('list keys (6.2.5: instance identifier components)', () => {
    const filter = `<top xmlns="${CFG}"><users><user><type/></user></users></top>`;
    const seen: string[] = [];
    const listKeys = (ns: string, path: readonly string[]): readonly string[] | undefined => {
      seen.push(`${ns === CFG ? 'cfg' : ns}:${path.join('/')}`);
      return ns === CFG && path.join('/') === 'top/users/user' ? ['name'] : undefined;
    };

    it('without listKeys only the selected leaves come back', () => {
      const result = applySubtreeFilter(filterOf(filter), fragment(USERS_DATA));
      const expected = `<top xmlns="${CFG}"><users><user><type>superuser</type></user><user><type>admin</type></user><user><type>admin</type></user></users></top>`;
      assert.equal(canonical(result), canonical(fragment(expected)));
    });

    it('with listKeys each entry selected through containment keeps its key leaves', () => {
      seen.length = 0;
      const result = applySubtreeFilter(filterOf(filter), fragment(USERS_DATA), { listKeys });
      const expected = `<top xmlns="${CFG}"><users>
        <user><name>root</name><type>superuser</type></user>
        <user><name>fred</name><type>admin</type></user>
        <user><name>barney</name><type>admin</type></user>
      </users></top>`;
      assert.equal(canonical(result), canonical(fragment(expected)));
      // asked only where a child is left out: in the entries
      assert.deepEqual([...new Set(seen)], ['cfg:top/users/user']);
    });

    it('keys are not added to entries nothing else selected', () => {
      const result = applySubtreeFilter(filterOf(`<top xmlns="${CFG}"><users><user><nickname/></user></users></top>`), fragment(USERS_DATA), { listKeys });
      assert.deepEqual(result, []);
    });
  });

  it('selects one entry of a 10,000-entry list', () => {
    const users: XmlElement[] = [];
    for (let i = 0; i < 10_000; i++) {
      users.push(
        elem(CFG, 'user', [
          elem(CFG, 'name', `user${i}`),
          elem(CFG, 'type', i % 2 ? 'admin' : 'operator'),
          elem(CFG, 'company-info', [elem(CFG, 'dept', i % 7), elem(CFG, 'id', i)]),
        ]),
      );
    }
    const data = [elem(CFG, 'top', [elem(CFG, 'users', users)])];
    const result = applySubtreeFilter(filterOf(`<top xmlns="${CFG}"><users><user><name>user4242</name><company-info/></user></users></top>`), data);
    assert.equal(result.length, 1);
    const selected = result[0].children[0].children;
    assert.equal(selected.length, 1);
    assert.equal(
      serialize(selected[0], CFG),
      '<user><name>user4242</name><company-info><dept>0</dept><id>4242</id></company-info></user>',
    );
  });
});

describe('notificationMatches (RFC 5277 section 3.6)', () => {
  const notification = parseXml(`
    <notification xmlns="urn:ietf:params:xml:ns:netconf:notification:1.0">
      <eventTime>2024-05-01T10:00:00Z</eventTime>
      <peer-refresh-complete xmlns="${REFRESH}">
        <operation-id>7</operation-id>
        <peer-address>192.0.2.1</peer-address>
        <direction>import</direction>
        <status>completed</status>
      </peer-refresh-complete>
    </notification>`);

  const cases: { name: string; filter: string; matches: boolean }[] = [
    { name: 'selection of the event', filter: `<peer-refresh-complete xmlns="${REFRESH}"/>`, matches: true },
    { name: 'content match that holds', filter: `<peer-refresh-complete xmlns="${REFRESH}"><status>completed</status></peer-refresh-complete>`, matches: true },
    {
      name: 'ANDed content matches that hold',
      filter: `<peer-refresh-complete xmlns="${REFRESH}"><peer-address>192.0.2.1</peer-address><direction>import</direction></peer-refresh-complete>`,
      matches: true,
    },
    { name: 'content match that fails', filter: `<peer-refresh-complete xmlns="${REFRESH}"><status>failed</status></peer-refresh-complete>`, matches: false },
    {
      name: 'one of the ANDed content matches fails',
      filter: `<peer-refresh-complete xmlns="${REFRESH}"><peer-address>192.0.2.1</peer-address><direction>export</direction></peer-refresh-complete>`,
      matches: false,
    },
    { name: 'leaf missing from the event', filter: `<peer-refresh-complete xmlns="${REFRESH}"><reason>x</reason></peer-refresh-complete>`, matches: false },
    { name: 'another event', filter: `<refresh-complete xmlns="${REFRESH}"/>`, matches: false },
    { name: 'another namespace', filter: `<peer-refresh-complete xmlns="${OTHER}"/>`, matches: false },
    { name: 'no namespace matches', filter: '<peer-refresh-complete><peer-address>192.0.2.1</peer-address></peer-refresh-complete>', matches: true },
    { name: 'union of subtrees', filter: `<refresh-complete xmlns="${REFRESH}"/><peer-refresh-complete xmlns="${REFRESH}"/>`, matches: true },
    { name: 'eventTime is not event content', filter: '<eventTime/>', matches: false },
    { name: 'empty filter', filter: '', matches: false },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.matches}`, () => {
      assert.equal(notificationMatches(filterOf(c.filter), notification), c.matches);
    });
  }

  it('takes the bare event element as the content', () => {
    const event = notification.children[1];
    assert.equal(notificationMatches(filterOf(`<peer-refresh-complete xmlns="${REFRESH}"><status>completed</status></peer-refresh-complete>`), event), true);
    assert.equal(notificationMatches(filterOf(`<peer-refresh-complete xmlns="${REFRESH}"><status>skipped</status></peer-refresh-complete>`), event), false);
  });
});
