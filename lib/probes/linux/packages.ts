/**
 * Registers the package probes: rpminfo, rpmverifyfile, rpmverifypackage and dpkginfo.
 */
import type { ProbeRegistry } from '../probe.js';
import { dpkginfoProbe } from './dpkginfo.js';
import { rpminfoProbe } from './rpminfo.js';
import { rpmverifyfileProbe } from './rpmverifyfile.js';
import { rpmverifypackageProbe } from './rpmverifypackage.js';

export function registerPackageProbes(registry: ProbeRegistry): ProbeRegistry {
  return registry.register(rpminfoProbe).register(rpmverifyfileProbe).register(rpmverifypackageProbe).register(dpkginfoProbe);
}
