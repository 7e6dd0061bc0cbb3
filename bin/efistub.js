#!/usr/bin/env node
// The efistub command. The tools are TypeScript (compiler/); tsx loads them without a build
// step, so `npx efistub` works right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../compiler/cli.ts');
process.exitCode = await main(process.argv.slice(2));
