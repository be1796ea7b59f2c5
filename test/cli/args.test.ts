import { describe, expect, it } from 'vitest';

import type { OptionSpec } from '../../lib/cli/args.js';
import { optionValue, parseArgs } from '../../lib/cli/args.js';
import { isScapulaError } from '../../lib/errors.js';

const SPECS: OptionSpec[] = [
  { name: 'results', kind: 'value' },
  { name: 'id', kind: 'value', repeatable: true },
  { name: 'without-syschar', kind: 'flag' },
  { name: 'verbose', kind: 'optional', choices: ['DEVEL', 'INFO', 'WARNING', 'ERROR'] },
  { name: 'skip-valid', kind: 'flag', ignored: true },
  { name: 'report', kind: 'value', rejectReason: 'HTML reports are not supported' },
];

function usageMessage(argv: string[]): string {
  try {
    parseArgs(argv, SPECS, 'oval eval');
  } catch (error) {
    if (isScapulaError(error, 'USAGE')) return error.message;
    throw error;
  }
  throw new Error('expected a usage error');
}

describe('parseArgs', () => {
  it('takes values from the next argument', () => {
    const args = parseArgs(['--results', 'r.xml', 'defs.xml'], SPECS, 'oval eval');
    expect(optionValue(args, 'results')).toBe('r.xml');
    expect(args.operands).toEqual(['defs.xml']);
  });

  it('takes values after an equals sign', () => {
    const args = parseArgs(['--results=r=1.xml', 'defs.xml'], SPECS, 'oval eval');
    expect(optionValue(args, 'results')).toBe('r=1.xml');
  });

  it('accepts operands before options', () => {
    const args = parseArgs(['defs.xml', '--without-syschar'], SPECS, 'oval eval');
    expect(args.operands).toEqual(['defs.xml']);
    expect(args.options.get('without-syschar')).toEqual(['true']);
  });

  it('keeps every repeated value', () => {
    const args = parseArgs(['--id', 'a', '--id', 'b', 'defs.xml'], SPECS, 'oval eval');
    expect(args.options.get('id')).toEqual(['a', 'b']);
  });

  it('reads a verbosity level only when one follows', () => {
    const withLevel = parseArgs(['--verbose', 'devel', 'defs.xml'], SPECS, 'oval eval');
    expect(optionValue(withLevel, 'verbose')).toBe('DEVEL');
    expect(withLevel.operands).toEqual(['defs.xml']);

    const withoutLevel = parseArgs(['--verbose', 'defs.xml'], SPECS, 'oval eval');
    expect(optionValue(withoutLevel, 'verbose')).toBe('true');
    expect(withoutLevel.operands).toEqual(['defs.xml']);
  });

  it('treats arguments after -- as operands', () => {
    const args = parseArgs(['--', '--results', '-'], SPECS, 'oval eval');
    expect(args.operands).toEqual(['--results', '-']);
    expect(args.options.size).toBe(0);
  });

  it('accepts an ignored option twice', () => {
    const args = parseArgs(['--skip-valid', '--skip-valid', 'defs.xml'], SPECS, 'oval eval');
    expect(args.options.get('skip-valid')).toEqual(['true', 'true']);
  });

  it('rejects malformed command lines', () => {
    expect(usageMessage(['--nope'])).toBe("unknown option '--nope' for 'oval eval' (see 'scapula oval eval --help')");
    expect(usageMessage(['-x'])).toBe("unknown option '-x' for 'oval eval' (see 'scapula oval eval --help')");
    expect(usageMessage(['--results'])).toBe("option '--results' requires a value (see 'scapula oval eval --help')");
    expect(usageMessage(['--results', 'a', '--results', 'b'])).toBe(
      "option '--results' given more than once (see 'scapula oval eval --help')",
    );
    expect(usageMessage(['--without-syschar=yes'])).toBe("option '--without-syschar' takes no value (see 'scapula oval eval --help')");
    expect(usageMessage(['--report', 'r.html'])).toBe(
      "option '--report' is not supported: HTML reports are not supported (see 'scapula oval eval --help')",
    );
  });
});
