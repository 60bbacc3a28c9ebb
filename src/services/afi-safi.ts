// The afi-safi-type identities of ncbgp-bgp and the engine's address families
// they name: one table, read both ways, for every afi-safi leaf (and
// leaf-list) that ncbgp-bgp and ncbgp-refresh carry.
import { IPV4_MVPN, IPV4_UNICAST } from '../bgp/wire/types';
import type { AfiSafi } from '../bgp/wire/types';
import { elem, resolvePrefix, type XmlElement } from '../model/xml';
import { NS_BGP } from './yang-values';

/** The prefix an afi-safi value is written with, declared on its leaf. */
const BGP_PREFIX = 'bgp';

/** Identities derived from afi-safi-type in ncbgp-bgp.yang, each with the family (AFI, SAFI) it names. */
const AFI_SAFI: readonly { readonly identity: string; readonly family: AfiSafi }[] = [
  { identity: 'ipv4-mvpn', family: IPV4_MVPN },
  { identity: 'ipv4-unicast', family: IPV4_UNICAST },
];

/** The identities, as an afi-safi value writes them (`bgp:ipv4-mvpn`). */
export const AFI_SAFI_VALUES: readonly string[] = AFI_SAFI.map((a) => `${BGP_PREFIX}:${a.identity}`);

/** The identity that names a family; undefined for a family ncbgp-bgp has none for. */
function afiSafiIdentity(family: AfiSafi): string | undefined {
  return AFI_SAFI.find((a) => a.family.afi === family.afi && a.family.safi === family.safi)?.identity;
}

/** The family an identity of ncbgp-bgp names; undefined for another name. */
function familyOfIdentity(identity: string): AfiSafi | undefined {
  return AFI_SAFI.find((a) => a.identity === identity)?.family;
}

/**
 * The family an afi-safi leaf's identityref names (RFC 7950 section 9.10.3):
 * the value's prefix declared in scope, or none for the leaf's own module;
 * undefined for anything but an identity of ncbgp-bgp in the table.
 */
export function familyOfLeaf(el: XmlElement): AfiSafi | undefined {
  const value = el.text.trim();
  const colon = value.indexOf(':');
  const ns = colon < 0 ? el.ns : resolvePrefix(el, value.slice(0, colon));
  return ns === NS_BGP ? familyOfIdentity(value.slice(colon + 1)) : undefined;
}

/** An afi-safi leaf in namespace `ns`: the identityref with its prefix declared on the leaf; nothing for a family no identity names. */
export function afiSafiLeaf(ns: string, family: AfiSafi): XmlElement[] {
  const identity = afiSafiIdentity(family);
  if (identity === undefined) return [];
  return [{ ...elem(ns, 'afi-safi', `${BGP_PREFIX}:${identity}`), nsDecls: { [BGP_PREFIX]: NS_BGP } }];
}
