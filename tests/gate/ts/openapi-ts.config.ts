// @hey-api/openapi-ts configuration of the TypeScript gate (tests/gate/check_35_ts_sdk):
// openapi/openapi.json -> $GATE_TS_CLIENT (default tests/gate/out/ts/client), never committed.
import { defineConfig } from '@hey-api/openapi-ts';

const root = new URL('../../..', import.meta.url).pathname;

export default defineConfig({
  input: `${root}openapi/openapi.json`,
  output: {
    path: process.env.GATE_TS_CLIENT ?? `${root}tests/gate/out/ts/client`,
    postProcess: [],
  },
  // enums: the named value sets (Platform, GroupStatus, ...) as objects with their names, so a
  // journey writes GroupStatus.Normal (the spec's own names) where the wire has 0
  plugins: ['@hey-api/client-fetch', { name: '@hey-api/typescript', enums: { mode: 'javascript', case: 'preserve' } }, '@hey-api/sdk'],
});
