// The index templates the transfer installs: ECS-style mappings so Kibana needs no mapping
// work — @timestamp a date, message full text, other strings keywords.
//
// One composable template per index base (`lcs-<base>` for `<base>-*`), not one template
// listing every base: transfers with different topic sets (two deployments, a test next to
// a demo) would otherwise overwrite each other's list. Elasticsearch refuses two templates
// with overlapping patterns at the same priority (`web-*` overlaps `web-app-*`), so the
// priority grows with the base's length: the more specific base wins, and two bases of the
// same length can only overlap if they are equal. `_index_template` with `priority`,
// `template.settings/mappings` and `_meta` is the same API in Elasticsearch 8.x and 9.x.

import type { Client } from '@elastic/elasticsearch';
import { everyDay } from '../common/event/index-name.ts';

export const TEMPLATE_PREFIX = 'lcs-';

export interface TemplateOptions {
  /** `index.number_of_replicas`; unset keeps the cluster default (1). */
  replicas?: number;
}

export const templateName = (base: string): string => `${TEMPLATE_PREFIX}${base}`;

export function templateBody(base: string, opts: TemplateOptions = {}): Record<string, unknown> {
  return {
    index_patterns: [everyDay(base)],
    priority: 100 + base.length,
    _meta: { managed_by: 'lcs-transfer' },
    template: {
      settings: {
        'index.refresh_interval': '1s',
        ...(opts.replicas === undefined ? {} : { 'index.number_of_replicas': opts.replicas }),
      },
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

export async function installTemplate(es: Client, base: string, opts: TemplateOptions = {}): Promise<void> {
  await es.transport.request(
    {
      method: 'PUT',
      path: `/_index_template/${encodeURIComponent(templateName(base))}`,
      body: templateBody(base, opts),
    },
    { headers: { 'content-type': 'application/json', accept: 'application/json' } },
  );
}
