/** Container image targets: `docker save` archives, OCI image layouts and rootfs tars. */
export { openImageTarget, type ImageTarget, type ImageTargetOptions } from './image-target.js';
export { formatPlatform, machinePlatform, parsePlatform, type Platform } from './manifest.js';
