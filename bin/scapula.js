#!/usr/bin/env node
// Entry point of the scapula command; the code is compiled from lib/cli/main.ts by `npm run build`.
import { runCli } from '../dist/lib/cli/main.js';

await runCli();
