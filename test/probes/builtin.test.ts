import { describe, expect, it } from 'vitest';

import { BUILTIN_PROBES, createDefaultRegistry } from '../../lib/probes/builtin.js';
import { request, context } from './helpers.js';
import type { Target } from '../../lib/targets/target.js';

describe('default registry', () => {
  it('registers every built-in object type', () => {
    const registry = createDefaultRegistry();
    const expected: [Parameters<typeof registry.get>[0], string][] = [
      ['independent', 'family_object'],
      ['independent', 'textfilecontent54_object'],
      ['independent', 'textfilecontent_object'],
      ['independent', 'filehash58_object'],
      ['independent', 'filehash_object'],
      ['independent', 'environmentvariable58_object'],
      ['independent', 'environmentvariable_object'],
      ['independent', 'xmlfilecontent_object'],
      ['independent', 'yamlfilecontent_object'],
      ['independent', 'variable_object'],
      ['unix', 'file_object'],
      ['unix', 'fileextendedattribute_object'],
      ['unix', 'symlink_object'],
      ['unix', 'password_object'],
      ['unix', 'shadow_object'],
      ['unix', 'runlevel_object'],
      ['unix', 'xinetd_object'],
      ['unix', 'sysctl_object'],
      ['unix', 'uname_object'],
      ['unix', 'process58_object'],
      ['linux', 'dpkginfo_object'],
      ['linux', 'rpminfo_object'],
      ['linux', 'systemdunitproperty_object'],
      ['linux', 'partition_object'],
    ];
    for (const [family, objectType] of expected) {
      expect(registry.get(family, objectType)?.objectType, `${family}:${objectType}`).toBe(objectType);
    }
  });

  it('describes each probe for both target kinds', () => {
    for (const probe of createDefaultRegistry().list()) {
      expect(probe.description.onImage.length, probe.objectType).toBeGreaterThan(0);
      expect(probe.description.onHost.length, probe.objectType).toBeGreaterThan(0);
    }
  });

  it('has no ldap probe and no old sql probe', () => {
    const registry = createDefaultRegistry();
    expect(registry.get('independent', 'sql_object')).toBeUndefined();
    expect(registry.get('independent', 'ldap57_object')).toBeUndefined();
  });

  it('has a sql57 probe that never queries', () => {
    expect(createDefaultRegistry().get('independent', 'sql57_object')?.objectType).toBe('sql57_object');
  });

  it('describes probes as their modules do', async () => {
    const keys = new Set(BUILTIN_PROBES.map((builtin) => `${builtin.family}:${builtin.objectType}`));
    expect(keys.size).toBe(BUILTIN_PROBES.length);
    expect(createDefaultRegistry().list().length).toBe(BUILTIN_PROBES.length);
    for (const builtin of BUILTIN_PROBES) {
      const loaded = await builtin.load();
      expect(loaded.family, builtin.objectType).toBe(builtin.family);
      expect(loaded.objectType, builtin.objectType).toBe(builtin.objectType);
      expect(loaded.description, builtin.objectType).toEqual(builtin.description);
    }
  });

  it('collects through the loaded module', async () => {
    const probe = createDefaultRegistry().get('independent', 'family_object')!;
    // The family probe reads nothing from the target.
    const target = {} as Target;
    const result = await probe.collect(request('family_object', 'independent', []), context(target));
    expect(result.items.map((item) => item.entities.map((entity) => entity.value))).toEqual([['unix']]);
  });
});
