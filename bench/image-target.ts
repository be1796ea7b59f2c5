/**
 * Opens an image archive with the image target, walks the merged tree and reads every regular
 * file to the end, then prints the time of each step and the counts.
 * Usage: node dist/bench/image-target.js IMAGE
 */
import { openImageTarget } from '../lib/targets/image/index.js';

async function main(): Promise<void> {
  const image = process.argv[2];
  if (image === undefined) throw new Error('usage: image-target.js IMAGE');

  const started = performance.now();
  const target = await openImageTarget(image);
  const opened = performance.now();

  let entries = 0;
  let files = 0;
  let bytes = 0;
  const pending = ['/'];
  while (pending.length > 0) {
    const directory = pending.pop()!;
    for (const { name, type } of await target.fs.readdir(directory)) {
      const path = directory === '/' ? `/${name}` : `${directory}/${name}`;
      entries++;
      if (type === 'directory') pending.push(path);
      if (type !== 'file') continue;
      files++;
      for await (const chunk of target.fs.readChunks(path)) bytes += chunk.byteLength;
    }
  }
  const walked = performance.now();
  await target.close();

  console.log(
    `open ${Math.round(opened - started)} ms, walk and read ${Math.round(walked - opened)} ms: ` +
      `${entries} entries, ${files} files, ${bytes} bytes read`,
  );
}

await main();
