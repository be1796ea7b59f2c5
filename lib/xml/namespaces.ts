/**
 * Namespace URIs of the OVAL 5 schemas and the family each component schema belongs to.
 */
import type { OvalFamily } from '../oval/model.js';

export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
export const OVAL_COMMON_NS = 'http://oval.mitre.org/XMLSchema/oval-common-5';
export const OVAL_DEFINITIONS_NS = 'http://oval.mitre.org/XMLSchema/oval-definitions-5';
export const OVAL_SYSCHAR_NS = 'http://oval.mitre.org/XMLSchema/oval-system-characteristics-5';
export const OVAL_RESULTS_NS = 'http://oval.mitre.org/XMLSchema/oval-results-5';
export const OVAL_VARIABLES_NS = 'http://oval.mitre.org/XMLSchema/oval-variables-5';
export const OVAL_DIRECTIVES_NS = 'http://oval.mitre.org/XMLSchema/oval-directives-5';
export const XML_DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';

const FAMILIES: ReadonlySet<string> = new Set<OvalFamily>([
  'independent',
  'unix',
  'linux',
  'windows',
  'macos',
  'solaris',
  'aix',
  'hpux',
  'freebsd',
  'android',
  'apple_ios',
  'asa',
  'catos',
  'esx',
  'ios',
  'iosxe',
  'junos',
  'netconf',
  'pixos',
  'sharepoint',
]);

/**
 * Returns the family of a component namespace such as
 * `http://oval.mitre.org/XMLSchema/oval-definitions-5#linux`, or 'unknown' when the namespace is
 * not `<base>#<family>` or names a family this model does not list.
 */
export function familyOfNamespace(namespace: string, base: string): OvalFamily {
  if (!namespace.startsWith(base) || namespace.charCodeAt(base.length) !== 0x23 /* # */) return 'unknown';
  const family = namespace.slice(base.length + 1);
  return FAMILIES.has(family) ? (family as OvalFamily) : 'unknown';
}
