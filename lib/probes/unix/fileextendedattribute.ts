/**
 * fileextendedattribute_object: the extended attributes of files, one item per file and
 * attribute name. A target that cannot read extended attributes flags the object "not
 * collected": a directory root or the live host without the optional @napi-rs/xattr package.
 */
import { ScapulaError, isScapulaError } from '../../errors.js';
import type { ProbeItem } from '../../oval/syschar.js';
import type { ProbeContext, ProbeRequest, ProbeResult } from '../probe.js';
import { entityMatches, findEntity } from '../util/entity.js';
import { decodeText } from '../util/file-content.js';
import { defineProbe, itemEntity, makeItem, notCollectedOffline, throwIfAborted } from '../util/items.js';
import { searchFiles } from '../util/path-search.js';
import { fileLocationEntities } from '../independent/textfilecontent54.js';

async function collect(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  const attributeEntity = findEntity(request, 'attribute_name');
  if (attributeEntity === undefined) {
    throw new ScapulaError('OVAL_INVALID', `${request.object.id}: fileextendedattribute_object needs an attribute_name entity`);
  }

  const items: ProbeItem[] = [];
  for (const file of await searchFiles(request, context)) {
    throwIfAborted(context);
    let attributes: Map<string, Uint8Array>;
    try {
      attributes = await context.target.fs.xattrs(file.filepath);
    } catch (error) {
      if (isScapulaError(error, 'UNSUPPORTED')) return notCollectedOffline('fileextendedattribute_object', error.message);
      if (isScapulaError(error, 'NOT_FOUND')) continue;
      throw error;
    }

    for (const [name, value] of [...attributes].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (!entityMatches(attributeEntity, name)) continue;
      items.push(
        makeItem('fileextendedattribute_item', 'unix', [
          ...fileLocationEntities(file),
          itemEntity('attribute_name', name),
          itemEntity('value', attributeText(value)),
        ]),
      );
    }
  }
  return { items };
}

/**
 * Decodes a value up to its first NUL byte, as OpenSCAP 1.3.7 writes it (a C string): the value
 * "f\0g" gives "f". XML cannot carry a NUL in any case.
 */
function attributeText(value: Uint8Array): string {
  const nul = value.indexOf(0);
  return decodeText(nul === -1 ? value : value.subarray(0, nul));
}

export const fileextendedattributeProbe = defineProbe({
  objectType: 'fileextendedattribute_object',
  family: 'unix',
  description: {
    summary: 'Extended attributes of files.',
    onImage: 'Image archives: the attributes stored in the layers. Root directories: read with llistxattr and lgetxattr through the optional @napi-rs/xattr package, else "not collected".',
    onHost: 'Read with llistxattr and lgetxattr through the optional @napi-rs/xattr package, else "not collected".',
  },
  collect,
});
