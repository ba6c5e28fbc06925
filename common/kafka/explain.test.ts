import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorMessages, kafkaProblem } from './explain.ts';

const tlsError = (code: string, message: string) => Object.assign(new Error(message), { code });

test('a refused SASL password names kafka.saslUsername and kafka.saslPasswordFile, from either client', () => {
  // @platformatic/kafka: the reason is a cause of "metadata failed 4 times."
  const platformatic = new Error('metadata failed 4 times.', {
    cause: new AggregateError([new Error('SASL authentication failed.')], 'Multiple errors'),
  });
  // kafkajs: one message.
  const kafkajs = new Error(
    'SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512',
  );
  for (const err of [platformatic, kafkajs])
    assert.match(
      kafkaProblem(err, { user: 'agent', operation: 'Write' }) ?? '',
      /^Kafka refused .*kafka\.saslUsername and kafka\.saslPasswordFile \(LCS_KAFKA_SASL_USERNAME, LCS_KAFKA_SASL_PASSWORD_FILE\)/,
    );
});

test('an untrusted certificate names kafka.caFile with the reason, however deep the TLS error is', () => {
  const err = new Error('metadata failed 4 times.', {
    cause: new AggregateError([
      new Error('Connection failed', {
        cause: tlsError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'),
      }),
    ]),
  });
  assert.equal(
    kafkaProblem(err, { operation: 'Read' }),
    "Kafka's TLS certificate is not trusted (self-signed certificate in certificate chain): check kafka.caFile (LCS_KAFKA_CA_FILE)",
  );
  assert.match(
    kafkaProblem(
      tlsError('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"),
      {
        operation: 'Read',
      },
    ) ?? '',
    /not trusted.*kafka\.caFile/,
  );
});

test('a plaintext listener reached with TLS names kafka.tls', () => {
  assert.match(
    kafkaProblem(tlsError('EPROTO', 'ssl3_get_record:wrong version number'), { operation: 'Write' }) ?? '',
    /does not speak TLS: turn kafka\.tls off/,
  );
});

test('a topic no ACL allows names the user, the topics and the ACL to grant', () => {
  assert.equal(
    kafkaProblem(new Error('Topic authorization failed.'), {
      user: 'agent',
      topics: ['app'],
      operation: 'Write',
    }),
    "Kafka's ACLs do not let user agent write topic app: grant Write (and Describe) on it to User:agent",
  );
  assert.equal(
    kafkaProblem(new Error('Not authorized to access topics: [Topic authorization failed]'), {
      user: 'transfer',
      topics: ['app', 'web'],
      operation: 'Read',
      group: 'g',
    }),
    "Kafka's ACLs do not let user transfer read topic app, web: grant Read (and Describe) on each of them to User:transfer",
  );
});

test('a consumer group no ACL allows names the group', () => {
  assert.equal(
    kafkaProblem(new Error('Not authorized to access group: Group authorization failed'), {
      user: 'transfer',
      topics: ['app'],
      operation: 'Read',
      group: 'lcs-transfer',
    }),
    "Kafka's ACLs do not let user transfer use consumer group lcs-transfer: grant Read on the group to User:transfer",
  );
});

test("kafkajs's coordinator failure (its way of saying the group is not allowed) names the group when there is one", () => {
  const err = new Error('Failed to find group coordinator');
  assert.match(
    kafkaProblem(err, { user: 'transfer', operation: 'Read', group: 'g1' }) ?? '',
    /consumer group g1, .*grant Read on the group to User:transfer/,
  );
  assert.equal(kafkaProblem(err, { user: 'transfer', operation: 'Read' }), undefined);
});

test('an error that names no known problem is left alone', () => {
  assert.equal(
    kafkaProblem(new Error('connect ECONNREFUSED 127.0.0.1:9092'), { operation: 'Write' }),
    undefined,
  );
  assert.equal(kafkaProblem(undefined, { operation: 'Write' }), undefined);
});

test('errorMessages reads causes and AggregateError members, with codes, and stops on a cycle', () => {
  const loop = new Error('a');
  (loop as { cause?: unknown }).cause = loop;
  assert.equal(errorMessages(loop).length, 9);
  assert.deepEqual(errorMessages(new Error('x', { cause: new AggregateError([tlsError('E1', 'y')], 'z') })), [
    'x',
    'z',
    'E1 y',
  ]);
});
