/**
 * filehash58_object: message digests of files, one item per file and hash type
 * (MD5, SHA-1, SHA-224, SHA-256, SHA-384, SHA-512).
 */
import { createHash } from 'node:crypto';

import { ScapulaError, isScapulaError } from '../../errors.js';
import type { Message, ProbeItem } from '../../oval/syschar.js';
import type { FileSystemView } from '../../targets/target.js';
import type { ProbeContext, ProbeRequest, ProbeResult } from '../probe.js';
import { entityMatches, findEntity } from '../util/entity.js';
import { isSkippedFileError } from '../util/file-content.js';
import { defineProbe, errorEntity, itemEntity, makeItem, throwIfAborted } from '../util/items.js';
import { searchFiles } from '../util/path-search.js';
import { fileLocationEntities } from './textfilecontent54.js';

/** OVAL's hash_type names mapped to Node.js digest names. */
export const HASH_ALGORITHMS: Record<string, string> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-224': 'sha224',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

/** Computes a hex digest of a file of any size, reading it in chunks. */
export async function digestFile(fs: FileSystemView, path: string, algorithm: string): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of fs.readChunks(path)) hash.update(chunk);
  return hash.digest('hex');
}

async function collect(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  const hashTypeEntity = findEntity(request, 'hash_type');
  if (hashTypeEntity === undefined) throw new ScapulaError('OVAL_INVALID', `${request.object.id}: filehash58_object needs a hash_type entity`);
  const hashTypes = Object.keys(HASH_ALGORITHMS).filter((name) => entityMatches(hashTypeEntity, name));

  const items: ProbeItem[] = [];
  const messages: Message[] = [];
  for (const file of await searchFiles(request, context)) {
    for (const hashType of hashTypes) {
      throwIfAborted(context);
      const location = fileLocationEntities(file);
      try {
        const hash = await digestFile(context.target.fs, file.filepath, HASH_ALGORITHMS[hashType]);
        items.push(makeItem('filehash58_item', 'independent', [...location, itemEntity('hash_type', hashType), itemEntity('hash', hash)]));
      } catch (error) {
        if (!isScapulaError(error)) throw error;
        if (isSkippedFileError(error)) {
          messages.push({ level: 'info', text: `skipped ${file.filepath}: ${error.message}` });
          break;
        }
        items.push(
          makeItem('filehash58_item', 'independent', [...location, itemEntity('hash_type', hashType), errorEntity('hash')], 'error', [
            { level: 'error', text: error.message },
          ]),
        );
      }
    }
  }
  return { items, messages };
}

export const filehash58Probe = defineProbe({
  objectType: 'filehash58_object',
  family: 'independent',
  description: {
    summary: 'MD5 and SHA-1/224/256/384/512 digests of files.',
    onImage: 'Hashes the files inside the image or root.',
    onHost: 'Hashes the files of the running host.',
  },
  collect,
});
