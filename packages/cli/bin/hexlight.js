#!/usr/bin/env node
// The `hexlight` command. Sources are TypeScript run through tsx: no build step between a
// clone and a running network.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
