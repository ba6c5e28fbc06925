// What an Elasticsearch failure means for the person running LCS, naming the setting to
// change. The client says "Response Error" with a 401 or 403 deep in its meta, or, for TLS,
// only the node's message ("unable to verify the first certificate"): neither names the
// setting. The role's missing privilege is in Elasticsearch's own reason (the action and
// the privileges that grant it), which is kept.

import { errorMessages } from '../kafka/explain.ts';

export interface EsCredentials {
  /** elasticsearch.apiKeyFile, elasticsearch.username: whom Elasticsearch judged. */
  apiKeyFile?: string;
  username?: string;
}

const API_KEY = 'elasticsearch.apiKeyFile (LCS_ELASTICSEARCH_API_KEY_FILE)';
const BASIC =
  'elasticsearch.username and elasticsearch.passwordFile (LCS_ELASTICSEARCH_USERNAME, LCS_ELASTICSEARCH_PASSWORD_FILE)';

const who = (c: EsCredentials) =>
  c.apiKeyFile
    ? `the API key in elasticsearch.apiKeyFile`
    : c.username
      ? `user ${c.username}`
      : 'this client (no credentials)';

/** The problem behind a 401 or 403 (a request's or a bulk item's); undefined for other statuses. */
export function statusProblem(
  status: number | undefined,
  reason: string,
  c: EsCredentials,
): string | undefined {
  if (status === 401) {
    if (c.apiKeyFile) return `Elasticsearch refused the API key: check ${API_KEY}`;
    if (c.username) return `Elasticsearch refused the user name or password: check ${BASIC}`;
    return `Elasticsearch requires authentication: set ${API_KEY}, or ${BASIC}`;
  }
  if (status === 403 && /security_exception|unauthorized/i.test(reason)) {
    const grant = /granted by the (?:cluster|index) privileges \[([^\]]*)\]/.exec(reason)?.[1];
    return (
      `Elasticsearch's privileges do not let ${who(c)} do this` +
      `${grant ? `: give its role one of the privileges [${grant}]` : ''} ` +
      '(docs/transfer.md lists what the transfer needs)'
    );
  }
  return undefined;
}

/** The problem behind a failed client call, with the setting to change; undefined when unknown. */
export function elasticsearchProblem(err: unknown, c: EsCredentials): string | undefined {
  const meta = (err as { meta?: { statusCode?: number; body?: unknown } } | undefined)?.meta;
  const fromStatus = statusProblem(meta?.statusCode, JSON.stringify(meta?.body ?? ''), c);
  if (fromStatus) return fromStatus;
  const messages = errorMessages(err);
  const tls = messages.find((m) =>
    /certificate|self.signed|unable to verify|CERT_|altname|UNABLE_TO_GET_ISSUER/i.test(m),
  );
  if (tls)
    return `Elasticsearch's TLS certificate is not trusted (${tls.replace(/^[A-Z_]+ /, '')}): check elasticsearch.caFile (LCS_ELASTICSEARCH_CA_FILE)`;
  const all = messages.join('\n');
  if (/wrong version number|EPROTO|packet length too long/i.test(all))
    return 'the Elasticsearch node does not speak TLS: use http:// in elasticsearch.url (LCS_ELASTICSEARCH_URL)';
  return undefined;
}
