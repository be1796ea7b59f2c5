/**
 * Temporary folders for image contents. Each open image owns one folder, made by mkdtemp and
 * removed on close, on an error while opening, at process exit, and on SIGINT or SIGTERM.
 * The signal handler removes every live folder and then raises the signal again, so the
 * process still ends the way it would have without the handler.
 */
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ScapulaError } from '../../errors.js';

const liveFolders = new Set<string>();
let handlersInstalled = false;

export class TempFolder {
  readonly path: string;
  private removed = false;

  private constructor(path: string) {
    this.path = path;
  }

  /** Makes a new folder under `parent` (default: the OS temporary directory). */
  static async create(parent = tmpdir()): Promise<TempFolder> {
    let path: string;
    try {
      path = await mkdtemp(join(parent, 'scapula-image-'));
    } catch (error) {
      throw new ScapulaError('IO', `cannot create a temporary folder: ${(error as Error).message}`, { file: parent }, { cause: error });
    }
    liveFolders.add(path);
    installHandlers();
    return new TempFolder(path);
  }

  /** Returns the path of a new file named `name` inside the folder. */
  file(name: string): string {
    return join(this.path, name);
  }

  async remove(): Promise<void> {
    if (this.removed) return;
    this.removed = true;
    await rm(this.path, { recursive: true, force: true });
    liveFolders.delete(this.path);
    if (liveFolders.size === 0) uninstallHandlers();
  }
}

function removeLiveFoldersNow(): void {
  for (const path of liveFolders) {
    try {
      rmSync(path, { recursive: true, force: true });
    } catch {
      // The process is ending, so a folder that cannot be removed is left to the OS cleaner.
    }
  }
  liveFolders.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  removeLiveFoldersNow();
  uninstallHandlers();
  // When another listener exists, it decides what the signal does. Without one, the default action runs.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', removeLiveFoldersNow);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

function uninstallHandlers(): void {
  if (!handlersInstalled) return;
  handlersInstalled = false;
  process.off('exit', removeLiveFoldersNow);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}
