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
  plugins: ['@hey-api/client-fetch', '@hey-api/typescript', '@hey-api/sdk'],
});
