// The index template the transfer installs: ECS-style mappings so Kibana needs no mapping
// work — @timestamp a date, message full text, other strings keywords.

import type { Client } from '@elastic/elasticsearch';

export const TEMPLATE_NAME = 'lcs-events';

export function templateBody(bases: string[]): Record<string, unknown> {
  return {
    index_patterns: bases.map((b) => `${b}-*`),
    priority: 200,
    _meta: { managed_by: 'lcs-transfer' },
    template: {
      settings: { 'index.refresh_interval': '1s' },
      mappings: {
        dynamic_templates: [
          {
            strings_as_keyword: {
              match_mapping_type: 'string',
              mapping: { type: 'keyword', ignore_above: 1024 },
            },
          },
        ],
        properties: {
          '@timestamp': { type: 'date' },
          message: { type: 'text' },
          event: {
            properties: {
              id: { type: 'keyword' },
              truncated: { type: 'boolean' },
              invalid_utf8: { type: 'boolean' },
              original_bytes: { type: 'long' },
            },
          },
          log: {
            properties: { file: { properties: { path: { type: 'keyword' } } }, offset: { type: 'long' } },
          },
          host: { properties: { name: { type: 'keyword' } } },
          collection: { properties: { name: { type: 'keyword' } } },
          kubernetes: {
            properties: {
              namespace: { type: 'keyword' },
              pod: { properties: { name: { type: 'keyword' } } },
              container: { properties: { name: { type: 'keyword' } } },
            },
          },
        },
      },
    },
  };
}

export async function installTemplate(es: Client, bases: string[]): Promise<void> {
  if (!bases.length) return;
  await es.transport.request(
    { method: 'PUT', path: `/_index_template/${TEMPLATE_NAME}`, body: templateBody(bases) },
    { headers: { 'content-type': 'application/json', accept: 'application/json' } },
  );
}
