// The OpenAPI document the server publishes, read by an outside validator against the
// official OpenAPI 3.1 JSON Schema (not by our own code).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import { url } from './lib.js';

test('the served OpenAPI document is valid OpenAPI 3.1', async () => {
  const response = await fetch(url('/api/v1/openapi.json'));
  assert.equal(response.status, 200);
  const document = await response.json();
  assert.match(document.openapi, /^3\.1\./);
  const validator = new Validator();
  const result = await validator.validate(document);
  assert.ok(result.valid, `invalid OpenAPI document: ${JSON.stringify(result.errors, null, 2)}`);
  // Every path's references resolve: the validator dereferences them.
  assert.ok(validator.resolveRefs(), 'unresolved $ref');
});
