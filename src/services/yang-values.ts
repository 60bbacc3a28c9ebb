// What the services write into the data of this project's YANG modules
// besides the data itself: the modules' namespaces and ietf-yang-types'
// date-and-time. Apart, so that the command line's client reaches them
// without the configuration mapping and the BGP code behind it.

export const NS_BGP = 'urn:ncbgp:yang:ncbgp-bgp';
export const REFRESH_NS = 'urn:ncbgp:yang:ncbgp-refresh';

/** yang:date-and-time (RFC 6991 section 3), in UTC */
export const dateAndTime = (d: Date): string => d.toISOString();
