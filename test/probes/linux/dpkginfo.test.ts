import { expect, it } from 'vitest';

import { dpkginfoProbe } from '../../../lib/probes/linux/dpkginfo.js';
import { MemoryFileSystem, fixtureBytes } from '../../packages/memory-fs.js';
import { context, entity, entityMap, request } from '../../packages/probe-request.js';
import { describeWithShared, fixturesDir } from '../../fixtures.js';

const ubuntu = () => new MemoryFileSystem({ '/var/lib/dpkg/status': fixtureBytes('dpkg/status') });

describeWithShared('dpkginfo probe', [fixturesDir], () => {
  it('reports an installed package in schema order', async () => {
    const result = await dpkginfoProbe.collect(request('dpkginfo_object', [entity('name', 'libc6')]), context(ubuntu()));
    expect(result.items).toHaveLength(1);
    expect(result.items[0].entities).toEqual([
      { name: 'name', value: 'libc6', datatype: 'string' },
      { name: 'arch', value: 'amd64', datatype: 'string' },
      { name: 'epoch', value: '0', datatype: 'string' },
      { name: 'release', value: '3ubuntu1', datatype: 'string' },
      { name: 'version', value: '2.27', datatype: 'string' },
      { name: 'evr', value: '0:2.27-3ubuntu1', datatype: 'debian_evr_string' },
    ]);
  });

  it('types evr by schema version', async () => {
    const evrDatatype = async (schemaVersion: string) => {
      const result = await dpkginfoProbe.collect(request('dpkginfo_object', [entity('name', 'libc6')]), { ...context(ubuntu()), schemaVersion });
      return result.items[0].entities.find((candidate) => candidate.name === 'evr')?.datatype;
    };
    expect(await evrDatatype('5.11')).toBe('evr_string');
    expect(await evrDatatype('5.10.1')).toBe('evr_string');
    expect(await evrDatatype('5.11.1')).toBe('debian_evr_string');
    expect(await evrDatatype('5.11.2')).toBe('debian_evr_string');
  });

  it('keeps an explicit epoch', async () => {
    const status = 'Package: passwd\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1:4.5-1ubuntu1\n';
    const result = await dpkginfoProbe.collect(request('dpkginfo_object', [entity('name', 'passwd')]), context(new MemoryFileSystem({ '/var/lib/dpkg/status': status })));
    expect(entityMap(result.items[0])).toMatchObject({ epoch: '1', version: '4.5', release: '1ubuntu1', evr: '1:4.5-1ubuntu1' });
  });

  it('writes a native version without a revision', async () => {
    const fs = new MemoryFileSystem({ '/var/lib/dpkg/status.d/netbase': fixtureBytes('dpkg/status.d/netbase') });
    const result = await dpkginfoProbe.collect(request('dpkginfo_object', [entity('name', 'netbase')]), context(fs));
    expect(entityMap(result.items[0])).toMatchObject({ version: '6.3', release: '', evr: '0:6.3' });
  });

  it('finds distroless packages by package name, not file name', async () => {
    const fs = new MemoryFileSystem({ '/var/lib/dpkg/status.d/base': fixtureBytes('dpkg/status.d/base') });
    const byPackage = await dpkginfoProbe.collect(request('dpkginfo_object', [entity('name', 'base-files')]), context(fs));
    expect(entityMap(byPackage.items[0]).evr).toBe('0:11.1+deb11u1');
    const byFile = await dpkginfoProbe.collect(request('dpkginfo_object', [entity('name', 'base')]), context(fs));
    expect(byFile.items).toEqual([]);
  });

  it('leaves out removed packages', async () => {
    const status = 'Package: telnet\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 0.17-41\n';
    const result = await dpkginfoProbe.collect(request('dpkginfo_object', [entity('name', 'telnet')]), context(new MemoryFileSystem({ '/var/lib/dpkg/status': status })));
    expect(result.items).toEqual([]);
  });

  it('matches names by pattern', async () => {
    const result = await dpkginfoProbe.collect(request('dpkginfo_object', [entity('name', '^libc[6-]', 'pattern match')]), context(ubuntu()));
    expect(result.items.map((item) => entityMap(item).name).sort()).toEqual(['libc-bin', 'libc6']);
  });

  it('reports does not exist without a dpkg database', async () => {
    const result = await dpkginfoProbe.collect(request('dpkginfo_object', [entity('name', 'bash')]), context(new MemoryFileSystem({ '/etc/hostname': 'x\n' })));
    expect(result.flag).toBe('does not exist');
  });

  it('flags a malformed status file as an error', async () => {
    const fs = new MemoryFileSystem({ '/var/lib/dpkg/status': 'Package: a\nnot a field\n' });
    const result = await dpkginfoProbe.collect(request('dpkginfo_object', [entity('name', 'a')]), context(fs));
    expect(result.flag).toBe('error');
    expect(result.messages?.[0].text).toBe('/var/lib/dpkg/status:2:1: expected "Field: value", found "not a field"');
  });
});
