import { describe, expect, it } from 'vitest';
import { compareValues, compareValuesWithReason } from '../../lib/oval/operations.js';
import { rpmVersionCompare } from '../../lib/oval/datatypes/evr.js';
import { debianVersionCompare } from '../../lib/oval/datatypes/debian-evr.js';
import type { Datatype, Operation } from '../../lib/oval/model.js';

type Row = [Operation, Datatype, string, string, string];

function check(rows: Row[]): void {
  for (const [operation, datatype, actual, expected, result] of rows) {
    expect(compareValues(operation, datatype, actual, expected), `${actual} ${operation} ${expected} (${datatype})`).toBe(result);
  }
}

describe('rpmvercmp', () => {
  // Pairs and orders from rpm's own test suite of rpmvercmp (rpm 4.x, tests/rpmvercmp.at).
  const cases: [string, string, number][] = [
    ['1.0', '1.0', 0],
    ['1.0', '2.0', -1],
    ['2.0.1', '2.0.1', 0],
    ['2.0', '2.0.1', -1],
    ['2.0.1a', '2.0.1', 1],
    ['5.5p1', '5.5p2', -1],
    ['5.5p10', '5.5p1', 1],
    ['10xyz', '10.1xyz', -1],
    ['xyz10', 'xyz10.1', -1],
    ['xyz.4', '8', -1],
    ['1b.fc17', '1.fc17', -1],
    ['1.0~rc1', '1.0', -1],
    ['1.0~rc1', '1.0~rc2', -1],
    ['1.0~rc1~git123', '1.0~rc1', -1],
    ['1.0^', '1.0', 1],
    ['1.0^git1', '1.0', 1],
    ['1.0^git1', '1.01', -1],
    ['1.0^git1~pre', '1.0^git1', -1],
    ['1.0', '1.0^git1', -1],
    ['1.0~rc1', '1.0^git1', -1],
    ['001', '1', 0],
    ['a', '1', -1],
    ['1.a', '1.1', -1],
    ['2_0', '2_0', 0],
    ['2.0', '2_0', 0],
  ];
  it.each(cases)('compares %s with %s', (a, b, order) => {
    expect(Math.sign(rpmVersionCompare(a, b))).toBe(order);
    expect(Math.sign(rpmVersionCompare(b, a))).toBe(order === 0 ? 0 : -order);
  });
});

describe('dpkg verrevcmp', () => {
  const cases: [string, string, number][] = [
    ['1.0', '1.0', 0],
    ['1.0~rc1', '1.0', -1],
    ['1.0', '1.0+b1', -1],
    ['1.0a', '1.0+', -1],
    ['1.0', '1.0a', -1],
    ['1.01', '1.1', 0],
    ['1.10', '1.9', 1],
    ['1~~', '1~', -1],
    ['1~', '1', -1],
  ];
  it.each(cases)('compares %s with %s', (a, b, order) => {
    expect(Math.sign(debianVersionCompare(a, b))).toBe(order);
    expect(Math.sign(debianVersionCompare(b, a))).toBe(order === 0 ? 0 : -order);
  });
});

describe('compareValues', () => {
  it('evr_string orders epoch, version, release', () => {
    check([
      ['less than', 'evr_string', '0:1.0-1', '1:0.1-1', 'true'],
      ['equals', 'evr_string', '1.0-1', '0:1.0-1', 'true'],
      ['greater than', 'evr_string', '0:1.0-10', '0:1.0-9', 'true'],
      ['less than or equal', 'evr_string', '0:1.0~rc1-1', '0:1.0-1', 'true'],
      ['greater than or equal', 'evr_string', '2:1-1', '10:1-1', 'false'],
      ['pattern match', 'evr_string', '0:1-1', '.*', 'error'],
    ]);
  });

  it('debian_evr_string uses dpkg ordering', () => {
    check([
      ['less than', 'debian_evr_string', '1.2.3-1', '1:0.1-1', 'true'],
      ['equals', 'debian_evr_string', '0:1.2-1', '1.2-1', 'true'],
      ['less than', 'debian_evr_string', '1.2~beta-1', '1.2-1', 'true'],
      ['greater than', 'debian_evr_string', '2.36-9+deb12u4', '2.36-9+deb12u3', 'true'],
      ['equals', 'debian_evr_string', 'x:1.0', '1.0', 'error'],
    ]);
  });

  it('version compares numeric components', () => {
    check([
      ['equals', 'version', '1.2', '1.2.0', 'true'],
      ['greater than', 'version', '1.10', '1.9', 'true'],
      ['less than', 'version', '1.2-3', '1.2.4', 'true'],
      ['equals', 'version', '1#2#3', '1.2.3', 'true'],
      ['equals', 'version', 'abc', '1', 'error'],
    ]);
  });

  it('int parses 64-bit decimals', () => {
    check([
      ['equals', 'int', '10', '010', 'true'],
      ['greater than', 'int', '-1', '-2', 'true'],
      ['less than', 'int', '9223372036854775806', '9223372036854775807', 'true'],
      ['equals', 'int', '9223372036854775808', '1', 'error'],
      ['equals', 'int', '0x10', '16', 'error'],
      ['equals', 'int', '1.0', '1', 'error'],
      ['bitwise and', 'int', '7', '5', 'true'],
      ['bitwise and', 'int', '2', '5', 'false'],
      ['bitwise or', 'int', '4', '5', 'true'],
      ['bitwise or', 'int', '8', '5', 'false'],
      ['pattern match', 'int', '1', '1', 'error'],
    ]);
  });

  it('float follows strtod and a relative tolerance', () => {
    check([
      ['equals', 'float', '1.0', '1', 'true'],
      ['equals', 'float', '1.0000000001', '1', 'true'],
      ['less than', 'float', '-INF', '-1000', 'true'],
      ['greater than', 'float', 'INF', '1e308', 'true'],
      ['equals', 'float', 'NAN', 'NAN', 'false'],
      ['not equal', 'float', 'NaN', '1', 'true'],
      ['equals', 'float', '1e3', '1000', 'true'],
      ['equals', 'float', 'one', '1', 'error'],
      ['bitwise and', 'float', '1', '1', 'error'],
    ]);
  });

  it('boolean accepts true false 1 0', () => {
    check([
      ['equals', 'boolean', '1', 'true', 'true'],
      ['equals', 'boolean', '0', 'false', 'true'],
      ['not equal', 'boolean', 'true', 'false', 'true'],
      ['equals', 'boolean', 'yes', 'true', 'error'],
      ['greater than', 'boolean', 'true', 'false', 'error'],
    ]);
  });

  it('binary compares hex case-insensitively', () => {
    check([
      ['equals', 'binary', '0aFF', '0AFF', 'true'],
      ['not equal', 'binary', '00', '01', 'true'],
      ['equals', 'binary', 'zz', 'zz', 'error'],
    ]);
  });

  it('string operations', () => {
    check([
      ['equals', 'string', 'abc', 'abc', 'true'],
      ['equals', 'string', 'abc', 'ABC', 'false'],
      ['case insensitive equals', 'string', 'abc', 'ABC', 'true'],
      ['case insensitive not equal', 'string', 'abc', 'ABD', 'true'],
      ['pattern match', 'string', 'openssl-3.0', '^openssl-[0-9]', 'true'],
      ['pattern match', 'string', 'libssl', '^openssl', 'false'],
      ['pattern match', 'string', 'x', '(', 'error'],
      ['greater than', 'string', 'b', 'a', 'error'],
    ]);
  });

  it('ipv4 equality, ordering and sets', () => {
    check([
      ['equals', 'ipv4_address', '10.0.0.1', '10.0.0.1/32', 'true'],
      ['equals', 'ipv4_address', '10.0.0.0/8', '10.0.0.0/255.0.0.0', 'true'],
      ['equals', 'ipv4_address', '10.0.0.1/8', '10.0.0.0/8', 'false'],
      ['greater than', 'ipv4_address', '10.0.0.2', '10.0.0.1', 'true'],
      ['less than', 'ipv4_address', '10.1.0.0/16', '10.2.0.0/16', 'true'],
      ['less than', 'ipv4_address', '10.1.0.0/16', '10.2.0.0/24', 'error'],
      ['subset of', 'ipv4_address', '192.168.1.0/24', '192.168.0.0/16', 'true'],
      ['subset of', 'ipv4_address', '192.168.0.0/16', '192.168.1.0/24', 'false'],
      ['superset of', 'ipv4_address', '192.168.0.0/16', '192.168.1.7', 'true'],
      ['superset of', 'ipv4_address', '10.0.0.0/8', '192.168.1.7', 'false'],
      ['equals', 'ipv4_address', '300.0.0.1', '1.1.1.1', 'error'],
      ['pattern match', 'ipv4_address', '1.1.1.1', '1', 'error'],
    ]);
  });

  it('ipv6 equality, ordering and sets', () => {
    check([
      ['equals', 'ipv6_address', '::1', '0:0:0:0:0:0:0:1', 'true'],
      ['equals', 'ipv6_address', '::ffff:10.0.0.1', '::ffff:a00:1', 'true'],
      ['subset of', 'ipv6_address', 'fe80::1/128', 'fe80::/10', 'true'],
      ['superset of', 'ipv6_address', 'fe80::/10', 'fe80::1', 'true'],
      ['subset of', 'ipv6_address', '700:1a7e::1a57:b007:1057:a11:da7a/32', '700:1a7e::/32', 'true'],
      ['greater than', 'ipv6_address', '::2', '::1', 'true'],
      ['equals', 'ipv6_address', 'fe80::/129', 'fe80::/10', 'error'],
    ]);
  });

  it('fileset_revision and ios_version are not evaluated', () => {
    expect(compareValues('equals', 'fileset_revision', '1.0', '1.0')).toBe('not evaluated');
    expect(compareValues('less than', 'ios_version', '12.2(18)', '12.4')).toBe('not evaluated');
  });

  it('record is compared field by field elsewhere', () => {
    expect(compareValues('equals', 'record', 'a', 'a')).toBe('error');
  });

  it('explains a value that is not a number', () => {
    const comparison = compareValuesWithReason('equals', 'int', 'never', '0');
    expect(comparison.result).toBe('error');
    expect(comparison.message).toBe('Conversion of the string "never" to an integer (64 bits) failed: Invalid argument');
    expect(comparison.invalidInput).toBe(true);
  });

  it('explains an invalid combination', () => {
    const comparison = compareValuesWithReason('greater than', 'boolean', 'true', 'false');
    expect(comparison.result).toBe('error');
    expect(comparison.message).toBe('the operation "greater than" is not defined for the datatype "boolean"');
  });
});
