/** Opens the target a caller names: a container image, a root directory, or the running host. */
import { resolve } from 'node:path';

import { ScapulaError } from '../errors.js';
import type { ByteSource } from '../io/source.js';
import type { Target } from './target.js';

export interface OpenTargetOptions {
  /** A container image archive or OCI layout directory (see openImageTarget). */
  image?: string | ByteSource;
  /** A directory containing a root file system, "/" for the running host as a live target. */
  root?: string;
  /** Image only: "os/arch[/variant]" to pick from a multi-platform index. */
  platform?: string;
  /** Image only: check digests and diff_ids (default true). */
  verify?: boolean;
  /** Image only: where the image's temporary folder is made. */
  tempDir?: string;
  signal?: AbortSignal;
}

/**
 * Opens an image when `image` is set, the running host when `root` is "/" or nothing is
 * set, and a directory target for any other `root`.
 */
export async function openTarget(options: OpenTargetOptions): Promise<Target> {
  if (options.image !== undefined && options.root !== undefined) {
    throw new ScapulaError('USAGE', 'open either an image or a root directory, not both');
  }

  if (options.image !== undefined) {
    const { openImageTarget } = await import('./image/index.js');
    return openImageTarget(options.image, {
      platform: options.platform,
      verify: options.verify,
      tempDir: options.tempDir,
      signal: options.signal,
    });
  }

  if (options.platform !== undefined || options.verify !== undefined) {
    throw new ScapulaError('USAGE', 'platform and verify apply only to an image target');
  }
  if (options.root === undefined || resolve(options.root) === '/') {
    const { openHostTarget } = await import('./host.js');
    return openHostTarget();
  }
  const { openDirectoryTarget } = await import('./directory.js');
  return openDirectoryTarget(options.root);
}
