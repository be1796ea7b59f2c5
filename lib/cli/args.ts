/**
 * A small command-line parser with oscap's conventions: long options only, values in the next
 * argument or after "=", options and operands in any order, and "--" ending the options.
 */
import { ScapulaError } from '../errors.js';

export interface OptionSpec {
  /** The name without dashes, e.g. "results". */
  name: string;
  /** 'flag' takes no value, 'value' takes exactly one, 'optional' takes one when the next argument is a known level. */
  kind: 'flag' | 'value' | 'optional';
  /** May be given more than once; every value is kept. */
  repeatable?: boolean;
  /** For kind 'optional': the values accepted after the option. */
  choices?: string[];
  /** An oscap option scapula does not implement: rejected with this reason. */
  rejectReason?: string;
  /** An oscap option that changes nothing in scapula: accepted and ignored. */
  ignored?: boolean;
}

export interface ParsedArgs {
  /** The values of each option given; a flag has the single value "true". */
  options: Map<string, string[]>;
  operands: string[];
}

/** Parses `argv` against `specs`; `command` names the command in usage errors ("oval eval"). */
export function parseArgs(argv: string[], specs: OptionSpec[], command: string): ParsedArgs {
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const options = new Map<string, string[]>();
  const operands: string[] = [];

  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === '--') {
      operands.push(...argv.slice(index + 1));
      break;
    }
    if (!argument.startsWith('--') || argument.length === 2) {
      if (argument.startsWith('-') && argument.length > 1) {
        throw usageError(`unknown option '${argument}' for '${command}'`, command);
      }
      operands.push(argument);
      continue;
    }

    const equals = argument.indexOf('=');
    const name = equals === -1 ? argument.slice(2) : argument.slice(2, equals);
    const inlineValue = equals === -1 ? undefined : argument.slice(equals + 1);
    const spec = byName.get(name);
    if (spec === undefined) throw usageError(`unknown option '--${name}' for '${command}'`, command);
    if (spec.rejectReason !== undefined) throw usageError(`option '--${name}' is not supported: ${spec.rejectReason}`, command);

    let value: string;
    if (spec.kind === 'flag') {
      if (inlineValue !== undefined) throw usageError(`option '--${name}' takes no value`, command);
      value = 'true';
    } else if (spec.kind === 'optional') {
      const next = argv[index + 1];
      if (inlineValue !== undefined) value = inlineValue;
      else if (next !== undefined && spec.choices?.includes(next.toUpperCase())) {
        value = next.toUpperCase();
        index++;
      } else value = 'true';
    } else if (inlineValue !== undefined) {
      value = inlineValue;
    } else {
      const next = argv[index + 1];
      if (next === undefined) throw usageError(`option '--${name}' requires a value`, command);
      value = next;
      index++;
    }

    const values = options.get(name) ?? [];
    if (values.length > 0 && !spec.repeatable && !spec.ignored) {
      throw usageError(`option '--${name}' given more than once`, command);
    }
    values.push(value);
    options.set(name, values);
  }

  return { options, operands };
}

export function usageError(message: string, command: string): ScapulaError {
  return new ScapulaError('USAGE', `${message} (see 'scapula ${command} --help')`);
}

export function optionValue(args: ParsedArgs, name: string): string | undefined {
  const values = args.options.get(name);
  return values?.[values.length - 1];
}

export function optionFlag(args: ParsedArgs, name: string): boolean {
  return args.options.has(name);
}
