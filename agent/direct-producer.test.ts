// The producer's own errors (the produce path itself is tested on Kafka: test/agent/direct-producer.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { partitionError } from './direct-producer.ts';

test("the producer's refusal of a partition (TOPIC_AUTHORIZATION_FAILED, code 29) names the ACL", () => {
  const err = partitionError(29, { topic: 'app', partition: 0, records: [] }, 'agent');
  assert.match(
    err.message,
    /^Kafka refused topic app partition 0: Kafka's ACLs do not let user agent write topic app: grant Write/,
  );
  assert.equal(err.code, 'KAFKA_TOPIC_AUTHORIZATION_FAILED');
});
