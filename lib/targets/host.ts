/**
 * The host target: the running Linux system, read at "/" through the same resolving view as a
 * directory target, with the facts only a running system has (environment, kernel, network).
 */
import { hostname, machine, networkInterfaces, release, type, version } from 'node:os';

import { RootedFileSystemView } from './directory.js';
import { osNameAndVersion, readOsRelease } from './os-release.js';
import type { NetworkInterfaceFact, Target, TargetFacts } from './target.js';

class HostTarget implements Target {
  readonly kind = 'host' as const;
  readonly live = true;
  readonly source = '/';
  readonly fs = new RootedFileSystemView('/');
  private factsPromise?: Promise<TargetFacts>;

  facts(): Promise<TargetFacts> {
    this.factsPromise ??= this.readFacts();
    return this.factsPromise;
  }

  async close(): Promise<void> {
    // Nothing is held open between calls.
  }

  private async readFacts(): Promise<TargetFacts> {
    const { osName, osVersion } = osNameAndVersion(await readOsRelease(this.fs));
    const nodeName = hostname();

    return {
      osName,
      osVersion,
      architecture: machine(),
      primaryHostName: nodeName,
      interfaces: readInterfaces(),
      environment: readEnvironment(),
      uname: {
        machineClass: machine(),
        nodeName,
        osName: type(),
        osRelease: release(),
        osVersion: version(),
        // Linux has no separate processor type in struct utsname, so the machine name is used.
        processorType: machine(),
      },
    };
  }
}

/** Lists one entry per interface address, as OpenSCAP's system_info does. */
function readInterfaces(): NetworkInterfaceFact[] {
  const facts: NetworkInterfaceFact[] = [];
  for (const [name, addresses] of Object.entries(networkInterfaces())) {
    for (const address of addresses ?? []) {
      facts.push({ name, ipAddress: address.address, macAddress: address.mac.toUpperCase() });
    }
  }
  return facts;
}

function readEnvironment(): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined) environment[name] = value;
  }
  return environment;
}

/** Opens the running host as a live, read-only target rooted at "/". */
export async function openHostTarget(): Promise<Target> {
  return new HostTarget();
}
