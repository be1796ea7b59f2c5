/**
 * filehash_object (deprecated since OVAL 5.8): the MD5 and SHA-1 digests of files, both in
 * one item.
 */
import { isScapulaError } from '../../errors.js';
import type { Message, ProbeItem } from '../../oval/syschar.js';
import type { ProbeContext, ProbeRequest, ProbeResult } from '../probe.js';
import { isSkippedFileError } from '../util/file-content.js';
import { defineProbe, errorEntity, itemEntity, makeItem, throwIfAborted } from '../util/items.js';
import { searchFiles } from '../util/path-search.js';
import { HASH_ALGORITHMS, digestFile } from './filehash58.js';
import { fileLocationEntities } from './textfilecontent54.js';

async function collect(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  const items: ProbeItem[] = [];
  const messages: Message[] = [];

  for (const file of await searchFiles(request, context)) {
    throwIfAborted(context);
    try {
      const md5 = await digestFile(context.target.fs, file.filepath, HASH_ALGORITHMS['MD5']);
      const sha1 = await digestFile(context.target.fs, file.filepath, HASH_ALGORITHMS['SHA-1']);
      items.push(makeItem('filehash_item', 'independent', [...fileLocationEntities(file), itemEntity('md5', md5), itemEntity('sha1', sha1)]));
    } catch (error) {
      if (!isScapulaError(error)) throw error;
      if (isSkippedFileError(error)) {
        messages.push({ level: 'info', text: `skipped ${file.filepath}: ${error.message}` });
        continue;
      }
      items.push(
        makeItem('filehash_item', 'independent', [...fileLocationEntities(file), errorEntity('md5'), errorEntity('sha1')], 'error', [
          { level: 'error', text: error.message },
        ]),
      );
    }
  }
  return { items, messages };
}

export const filehashProbe = defineProbe({
  objectType: 'filehash_object',
  family: 'independent',
  description: {
    summary: 'MD5 and SHA-1 digests of files (deprecated object).',
    onImage: 'Hashes the files inside the image or root.',
    onHost: 'Hashes the files of the running host.',
  },
  collect,
});
