import { test } from 'node:test';
import assert from 'node:assert/strict';
import { templateBody, templateName } from './template.ts';

test('one template per index base; longer bases win without same-priority overlaps', () => {
  const web = templateBody('web');
  const webApp = templateBody('web-app');
  assert.deepEqual(web.index_patterns, ['web-*']);
  assert.deepEqual(webApp.index_patterns, ['web-app-*']);
  assert.ok((webApp.priority as number) > (web.priority as number));
  assert.equal(templateName('web'), 'lcs-web');
});

test('replicas only when configured', () => {
  const settings = (b: Record<string, unknown>) =>
    (b.template as { settings: Record<string, unknown> }).settings;
  assert.equal(settings(templateBody('x'))['index.number_of_replicas'], undefined);
  assert.equal(settings(templateBody('x', { replicas: 0 }))['index.number_of_replicas'], 0);
});
