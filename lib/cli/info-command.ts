/** `scapula info`: the supported object types (--probes), or a summary of one OVAL document. */
import { optionFlag, parseArgs, usageError } from './args.js';
import type { CliContext } from './context.js';
import { INFO_HELP } from './help.js';
import { parseOvalDefinitions } from '../oval/parser.js';
import { createDefaultRegistry } from '../probes/builtin.js';
import type { Probe } from '../probes/probe.js';

export async function infoCommand(argv: string[], context: CliContext): Promise<number> {
  const command = 'info';
  const args = parseArgs(argv, [{ name: 'help', kind: 'flag' }, { name: 'probes', kind: 'flag' }], command);
  if (optionFlag(args, 'help')) {
    context.stdout.write(INFO_HELP);
    return 0;
  }

  if (optionFlag(args, 'probes')) {
    if (args.operands.length > 0) throw usageError('--probes takes no file', command);
    context.stdout.write(describeProbes());
    return 0;
  }

  if (args.operands.length !== 1) throw usageError('expected --probes or one FILE', command);
  context.stdout.write(await describeDefinitionsFile(args.operands[0]));
  return 0;
}

/**
 * Lists the probes of the default registry, one block each, in this shape:
 *
 *   linux:rpminfo_object
 *     <summary>
 *     on an image or directory root: <what the probe reads there>
 *     on the host: <what the probe reads on the running system>
 */
function describeProbes(): string {
  const probes = createDefaultRegistry().list();
  const blocks = probes.map((probe: Probe) =>
    [
      `${probe.family}:${probe.objectType}`,
      `  ${probe.description.summary}`,
      `  on an image or directory root: ${probe.description.onImage}`,
      `  on the host: ${probe.description.onHost}`,
    ].join('\n'),
  );
  return `${probes.length} supported object types\n\n${blocks.join('\n\n')}\n`;
}

async function describeDefinitionsFile(file: string): Promise<string> {
  const definitions = await parseOvalDefinitions(file);
  const lines = [
    `Document type: OVAL Definitions`,
    `File: ${file}`,
    `Schema version: ${definitions.generator.schemaVersion}`,
    `Generated: ${definitions.generator.timestamp}`,
    `Definitions: ${definitions.definitions.size}`,
    `Tests: ${definitions.tests.size}`,
    `Objects: ${definitions.objects.size}`,
    `States: ${definitions.states.size}`,
    `Variables: ${definitions.variables.size}`,
  ];
  return lines.join('\n') + '\n';
}
