// The Elasticsearch client from settings (the transfer indexes with it, the console searches
// with it). Secrets come from files.

import { readFileSync } from 'node:fs';
import { Client } from '@elastic/elasticsearch';
import type { SettingsOf } from '../config/settings.ts';
import type { elasticsearchSettings } from '../config/common-settings.ts';

type ClientOptions = ConstructorParameters<typeof Client>[0];

export function esClient(s: SettingsOf<typeof elasticsearchSettings>, requestTimeout = 60000): Client {
  const opts: ClientOptions = { node: s['elasticsearch.url'], requestTimeout };
  const secret = (file: string) => readFileSync(file, 'utf8').trim();
  if (s['elasticsearch.apiKeyFile']) opts.auth = { apiKey: secret(s['elasticsearch.apiKeyFile']) };
  else if (s['elasticsearch.username'])
    opts.auth = {
      username: s['elasticsearch.username'],
      password: s['elasticsearch.passwordFile'] ? secret(s['elasticsearch.passwordFile']) : '',
    };
  if (s['elasticsearch.caFile']) opts.tls = { ca: readFileSync(s['elasticsearch.caFile']) };
  return new Client(opts);
}
