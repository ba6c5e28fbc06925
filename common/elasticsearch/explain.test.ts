import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errors } from '@elastic/elasticsearch';
import { elasticsearchProblem, statusProblem } from './explain.ts';

/** What the client throws for an HTTP error: a ResponseError with Elasticsearch's body. */
const responseError = (statusCode: number, type: string, reason: string) =>
  new errors.ResponseError({
    statusCode,
    body: { error: { type, reason }, status: statusCode },
    headers: {},
    warnings: null,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the request's diagnostics, unused here
    meta: {} as any,
  });

const unauthenticated = responseError(
  401,
  'security_exception',
  'unable to authenticate with provided credentials and anonymous access is not allowed for this request',
);

test('a refused API key names elasticsearch.apiKeyFile; a refused password the user settings', () => {
  assert.match(
    elasticsearchProblem(unauthenticated, { apiKeyFile: '/run/secrets/es-key' }) ?? '',
    /^Elasticsearch refused the API key: check elasticsearch\.apiKeyFile \(LCS_ELASTICSEARCH_API_KEY_FILE\)/,
  );
  assert.match(
    elasticsearchProblem(unauthenticated, { username: 'transfer' }) ?? '',
    /^Elasticsearch refused the user name or password: check elasticsearch\.username and elasticsearch\.passwordFile/,
  );
  assert.match(
    elasticsearchProblem(unauthenticated, {}) ?? '',
    /requires authentication: set elasticsearch\.apiKeyFile/,
  );
});

test('a missing privilege names who lacks it and the privileges that grant it', () => {
  const reason =
    'action [indices:admin/index_template/put] is unauthorized for user [transfer] with effective roles [role_transfer], this action is granted by the cluster privileges [manage_index_templates,manage,all]';
  const problem = elasticsearchProblem(responseError(403, 'security_exception', reason), {
    username: 'transfer',
  });
  assert.match(
    problem ?? '',
    /do not let user transfer do this: give its role one of the privileges \[manage_index_templates,manage,all\]/,
  );
  // The same for a bulk item's 403, which reaches the transfer as its status and reason.
  assert.match(
    statusProblem(403, `403: security_exception: ${reason.replace('cluster', 'index')}`, {
      apiKeyFile: 'k',
    }) ?? '',
    /the API key in elasticsearch\.apiKeyFile do this: give its role one of the privileges/,
  );
  // A 403 that is not about security (a write block) is not explained as one.
  assert.equal(statusProblem(403, '403: cluster_block_exception: index [x] blocked', {}), undefined);
});

test('an untrusted certificate names elasticsearch.caFile; a plain node asked for TLS, elasticsearch.url', () => {
  const untrusted = new errors.ConnectionError('unable to verify the first certificate');
  assert.match(
    elasticsearchProblem(untrusted, {}) ?? '',
    /^Elasticsearch's TLS certificate is not trusted \(unable to verify the first certificate\): check elasticsearch\.caFile \(LCS_ELASTICSEARCH_CA_FILE\)/,
  );
  const plain = new errors.ConnectionError(
    'write EPROTO 40F7A0B2:error:0A00010B:SSL routines:ssl3_get_record:wrong version number',
  );
  assert.match(
    elasticsearchProblem(plain, {}) ?? '',
    /does not speak TLS: use http:\/\/ in elasticsearch\.url/,
  );
});

test('an outage or an unknown failure is left to the caller', () => {
  assert.equal(
    elasticsearchProblem(new errors.ConnectionError('connect ECONNREFUSED 127.0.0.1:9200'), {}),
    undefined,
  );
  assert.equal(elasticsearchProblem(responseError(503, 'unavailable_shards_exception', 'x'), {}), undefined);
});
