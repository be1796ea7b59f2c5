/** `scapula oval validate`: XML Schema validation, with oscap's exit statuses (0 valid, 2 invalid, 1 error). */
import { optionFlag, parseArgs, usageError } from './args.js';
import type { OptionSpec } from './args.js';
import type { CliContext } from './context.js';
import { OVAL_VALIDATE_HELP } from './help.js';
import type { OvalDocumentType } from './validate.js';
import { validateOvalFile } from './validate.js';

const TYPE_FLAGS: OvalDocumentType[] = ['definitions', 'variables', 'syschar', 'results', 'directives'];

const VALIDATE_OPTIONS: OptionSpec[] = [
  { name: 'help', kind: 'flag' },
  ...TYPE_FLAGS.map((name): OptionSpec => ({ name, kind: 'flag' })),
  { name: 'skip-schematron', kind: 'flag', ignored: true },
  {
    name: 'schematron',
    kind: 'flag',
    rejectReason: 'Schematron rules need an XSLT processor scapula does not have; run without --schematron for XML Schema validation',
  },
];

export async function ovalValidateCommand(argv: string[], context: CliContext): Promise<number> {
  const command = 'oval validate';
  const args = parseArgs(argv, VALIDATE_OPTIONS, command);
  if (optionFlag(args, 'help')) {
    context.stdout.write(OVAL_VALIDATE_HELP);
    return 0;
  }

  const types = TYPE_FLAGS.filter((type) => optionFlag(args, type));
  if (types.length > 1) throw usageError(`choose one document type, not ${types.map((type) => `--${type}`).join(' and ')}`, command);
  if (args.operands.length !== 1) throw usageError(args.operands.length === 0 ? 'missing FILE' : `unexpected argument '${args.operands[1]}'`, command);

  const report = await validateOvalFile(args.operands[0], { expectedType: types[0] });
  for (const violation of report.violations) {
    const place = [report.file, violation.line, violation.column].filter((part) => part !== undefined).join(':');
    context.stderr.write(`${place}: ${violation.message}\n`);
  }
  if (!report.valid) {
    context.stderr.write(`scapula: ${report.file}: invalid OVAL ${report.documentType} document (schema ${report.schemaVersion})\n`);
    return 2;
  }
  return 0;
}
