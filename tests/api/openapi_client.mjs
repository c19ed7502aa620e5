// The OpenAPI document seen by outside tools (issue 25 point 1), run by
// test_openapi.py:  node openapi_client.mjs SPEC.json [BASE_URL TOKEN OUT_DIR]
// (with SPEC.json alone: step 1 only)
//
// 1. validates SPEC.json with @readme/openapi-parser (the OpenAPI 3.1
//    schema plus the checks it adds: duplicate operationIds, path
//    parameters declared and used, …);
// 2. generates a TypeScript client from it with @hey-api/openapi-ts (its
//    fetch client), bundles it with esbuild (Vite's) to run it under node;
// 3. with that client and the bearer TOKEN, lists mediation cases.
// Prints one JSON line: {"valid", "errors", "operations", "cases", "status"}.
import { createRequire } from 'node:module'
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const web = resolve(here, '../../web')
const require = createRequire(resolve(web, 'package.json'))
const load = (name) => import(pathToFileURL(require.resolve(name)).href)

const [specPath, base, token, out] = process.argv.slice(2)
const spec = JSON.parse(readFileSync(specPath, 'utf8'))
const result = { operations: 0 }
for (const item of Object.values(spec.paths)) {
  for (const m of ['get', 'post', 'put', 'patch', 'delete']) if (item[m]) result.operations++
}

const { validate } = await load('@readme/openapi-parser')
const v = await validate(structuredClone(spec))
result.valid = v.valid
result.errors = (v.errors || []).slice(0, 5).map((e) => e.message)
if (!v.valid || !out) {
  console.log(JSON.stringify(result))
  process.exit(0)
}

const { createClient } = await load('@hey-api/openapi-ts')
await createClient({ input: specPath, output: { path: out }, plugins: ['@hey-api/client-fetch'], logs: { level: 'silent' } })
writeFileSync(resolve(out, 'entry.ts'), "export * from './sdk.gen'\nexport { client } from './client.gen'\n")
const esbuild = await load('esbuild')
await esbuild.build({
  entryPoints: [resolve(out, 'entry.ts')],
  bundle: true,
  format: 'esm',
  platform: 'node',
  outfile: resolve(out, 'client.mjs'),
  logLevel: 'silent',
})
const sdk = await import(pathToFileURL(resolve(out, 'client.mjs')).href)
sdk.client.setConfig({ baseUrl: base, headers: { Authorization: `Bearer ${token}` } })
const answer = await sdk.getMediationCases({ query: { limit: 5, sort: '-id' } })
result.status = answer.response ? answer.response.status : null
if (answer.error) result.error = String(answer.error.message || JSON.stringify(answer.error))
result.cases = answer.data ? answer.data.items.map((c) => ({ id: c.id, title: c.title, org_name: c.org_name })) : null
console.log(JSON.stringify(result))
