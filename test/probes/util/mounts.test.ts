import { readFileSync, statSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { isRemoteMount, makeDeviceNumber, parseRemoteDevices } from '../../../lib/probes/util/mounts.js';

describe('mount table', () => {
  it('finds network mounts', () => {
    const text = [
      '22 27 0:21 / /proc rw,relatime - proc proc rw',
      '36 25 0:45 / /mnt/share rw,relatime - nfs4 server:/export rw,vers=4.2',
      '37 25 0:46 / /mnt/win rw - cifs //fs/share rw',
      '38 25 259:3 / /data rw - ext4 /dev/nvme0n1p3 rw',
      '39 25 0:47 / /mnt/odd rw - fuse.custom host:/tree rw',
    ].join('\n');
    expect([...parseRemoteDevices(text)].sort((a, b) => a - b)).toEqual([45, 46, 47]);
  });

  it('treats device sources as local', () => {
    expect(isRemoteMount('ext4', '/dev/sda1')).toBe(false);
    expect(isRemoteMount('tmpfs', 'tmpfs')).toBe(false);
    expect(isRemoteMount('overlay', 'overlay')).toBe(false);
    expect(isRemoteMount('sshfs', 'user@host:/home')).toBe(true);
  });

  it('encodes devices as stat reports them', () => {
    const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
    const rootLine = mountinfo.find((line) => line.split(' ')[4] === '/');
    const [major, minor] = rootLine!.split(' ')[2].split(':').map(Number);
    expect(makeDeviceNumber(major, minor)).toBe(statSync('/').dev);
    expect(makeDeviceNumber(259, 3)).toBe(259 * 256 + 3);
    expect(makeDeviceNumber(8, 300)).toBe((300 & 0xff) | (8 << 8) | ((300 & ~0xff) << 12));
  });
});
