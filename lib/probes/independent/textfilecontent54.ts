/**
 * textfilecontent54_object: the matches of a regular expression in text files. Each match is
 * one item with its 1-based instance number, its text and its capturing groups.
 */
import { ScapulaError } from '../../errors.js';
import type { ItemEntity, Message, ProbeItem } from '../../oval/syschar.js';
import type { ProbeContext, ProbeRequest, ProbeResult, ResolvedEntity } from '../probe.js';
import { entityMatches, findEntity } from '../util/entity.js';
import { readTextContent } from '../util/file-content.js';
import { defineProbe, errorEntity, itemEntity, makeItem, throwIfAborted } from '../util/items.js';
import { compileProbePattern, type PatternOptions, type ProbeMatch } from '../util/pattern.js';
import { searchFiles, type FoundFile } from '../util/path-search.js';

/** Reads the Textfilecontent54Behaviors with the schema's defaults (multiline on). */
export function parsePatternBehaviors(behaviors: Record<string, string>): PatternOptions {
  return {
    multiline: readBoolean(behaviors, 'multiline', true),
    singleline: readBoolean(behaviors, 'singleline', false),
    ignoreCase: readBoolean(behaviors, 'ignore_case', false),
  };
}

function readBoolean(behaviors: Record<string, string>, name: string, fallback: boolean): boolean {
  const value = behaviors[name];
  if (value === undefined) return fallback;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ScapulaError('OVAL_INVALID', `invalid ${name} behavior ${JSON.stringify(value)}: expected true or false`);
}

/** Builds the location entities of a file item in schema order: filepath, path, filename. */
export function fileLocationEntities(file: FoundFile): ItemEntity[] {
  return [itemEntity('filepath', file.filepath), itemEntity('path', file.path), itemEntity('filename', file.filename ?? '')];
}

async function collect(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  const patternEntity = findEntity(request, 'pattern');
  const instanceEntity = findEntity(request, 'instance');
  if (patternEntity === undefined || instanceEntity === undefined) {
    throw new ScapulaError('OVAL_INVALID', `${request.object.id}: textfilecontent54_object needs pattern and instance entities`);
  }
  const options = parsePatternBehaviors(request.behaviors);
  const patterns = patternEntity.values.map((value) => compileProbePattern(value, options));

  const files = await searchFiles(request, context);
  const items: ProbeItem[] = [];
  const messages: Message[] = [];

  for (const file of files) {
    throwIfAborted(context);
    const content = await readTextContent(context.target.fs, file.filepath);
    if (!content.ok) {
      if (content.skipped) {
        messages.push({ level: 'info', text: `skipped ${file.filepath}: ${content.message}` });
      } else {
        items.push(unreadableFileItem(file, content.message));
      }
      continue;
    }

    for (const pattern of patterns) {
      // A loop, not push(...items): spreading more than about 150,000 arguments overflows the stack.
      for (const item of matchItems(file, pattern.source, pattern.matchAll(content.text), instanceEntity)) items.push(item);
    }
  }
  return { items, messages };
}

function matchItems(
  file: FoundFile,
  pattern: string,
  matches: ProbeMatch[],
  instanceEntity: ResolvedEntity,
): ProbeItem[] {
  const items: ProbeItem[] = [];
  matches.forEach((match, index) => {
    const instance = String(index + 1);
    if (!entityMatches(instanceEntity, instance)) return;

    items.push(
      makeItem('textfilecontent_item', 'independent', [
        ...fileLocationEntities(file),
        itemEntity('pattern', pattern),
        itemEntity('instance', instance, 'int'),
        // The deprecated line entity repeats the pattern, as OpenSCAP 1.3.7 writes it.
        itemEntity('line', pattern),
        itemEntity('text', match.text),
        // A group that took no part in the match has no subexpression, as in OpenSCAP 1.3.7.
        ...match.groups.filter((group) => group !== undefined).map((group) => itemEntity('subexpression', group)),
      ]),
    );
  });
  return items;
}

function unreadableFileItem(file: FoundFile, message: string): ProbeItem {
  return makeItem(
    'textfilecontent_item',
    'independent',
    [...fileLocationEntities(file), errorEntity('text')],
    'error',
    [{ level: 'error', text: message }],
  );
}

export const textfilecontent54Probe = defineProbe({
  objectType: 'textfilecontent54_object',
  family: 'independent',
  description: {
    summary: 'Matches of a Perl-compatible regular expression in text files, with capturing groups.',
    onImage: 'Reads the files inside the image or root.',
    onHost: 'Reads the files of the running host.',
  },
  collect,
});
