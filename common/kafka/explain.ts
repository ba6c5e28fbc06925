// What a Kafka failure means for the person running LCS, naming the setting or the ACL to
// change. Both clients (@platformatic/kafka in the agent, kafkajs in the transfer) say
// "SASL authentication failed" or "Topic authorization failed" without the user, the topic
// or the setting, and bury a TLS failure in a cause or an AggregateError: the whole chain
// is read here, and the component says what it was doing (which topics, which group, which
// operation its ACLs must allow).

export interface KafkaAccess {
  /** kafka.saslUsername, if any: the principal the ACLs are about. */
  user?: string;
  /** The topics the request was about and what the component does to them. */
  topics?: string[];
  operation: 'Write' | 'Read';
  /** The transfer's consumer group (kafka.* has no group setting: transfer.groupId). */
  group?: string;
}

/** Every message in an error's chain: the error, its causes and an AggregateError's members. */
export function errorMessages(err: unknown, depth = 0): string[] {
  if (depth > 8 || err === undefined || err === null) return [];
  if (!(err instanceof Error)) return [String(err)];
  const own = [`${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}`.trim()];
  const nested = err instanceof AggregateError ? err.errors : [];
  return [
    ...own,
    ...nested.flatMap((e) => errorMessages(e, depth + 1)),
    ...errorMessages(err.cause, depth + 1),
  ];
}

const SASL_SETTINGS =
  'kafka.saslUsername and kafka.saslPasswordFile (LCS_KAFKA_SASL_USERNAME, LCS_KAFKA_SASL_PASSWORD_FILE)';

/** The problem behind a Kafka failure with the setting or ACL to change; undefined when unknown. */
export function kafkaProblem(err: unknown, access: KafkaAccess): string | undefined {
  const messages = errorMessages(err);
  const all = messages.join('\n');
  const who = access.user ? `user ${access.user}` : 'this client (no kafka.saslUsername)';
  if (/SASL authentication failed|authentication failed|invalid credentials|SaslAuthenticate/i.test(all))
    return `Kafka refused the SASL user name or password: check ${SASL_SETTINGS} and kafka.saslMechanism (LCS_KAFKA_SASL_MECHANISM)`;
  if (/Unexpected Kafka request|illegal SASL state|unsupported SASL mechanism/i.test(all))
    return 'Kafka does not accept this SASL mechanism on this listener: check kafka.saslMechanism (LCS_KAFKA_SASL_MECHANISM)';
  const tls = messages.find((m) =>
    /certificate|self.signed|unable to verify|CERT_|altname|UNABLE_TO_GET_ISSUER/i.test(m),
  );
  if (tls)
    return `Kafka's TLS certificate is not trusted (${tls.replace(/^[A-Z_]+ /, '')}): check kafka.caFile (LCS_KAFKA_CA_FILE)`;
  if (/wrong version number|EPROTO|packet length too long/i.test(all))
    return 'the Kafka listener does not speak TLS: turn kafka.tls off (LCS_KAFKA_TLS), or use a TLS listener in kafka.brokers';
  const topics = access.topics?.length ? access.topics.join(', ') : 'its topics';
  if (/topic authorization failed|TOPIC_AUTHORIZATION_FAILED|not authorized to access topics/i.test(all))
    return (
      `Kafka's ACLs do not let ${who} ${access.operation.toLowerCase()} topic ${topics}: ` +
      `grant ${access.operation} (and Describe) on ${access.topics && access.topics.length > 1 ? 'each of them' : 'it'} to User:${access.user ?? 'ANONYMOUS'}`
    );
  if (/group authorization failed|GROUP_AUTHORIZATION_FAILED|not authorized to access group/i.test(all))
    return `Kafka's ACLs do not let ${who} use consumer group ${access.group ?? '(transfer.groupId)'}: grant Read on the group to User:${access.user ?? 'ANONYMOUS'}`;
  // kafkajs drops the GROUP_AUTHORIZATION_FAILED of FindCoordinator and says only this.
  if (access.group && /Failed to find group coordinator/i.test(all))
    return `Kafka named no coordinator for consumer group ${access.group}, which is what it answers when no ACL lets ${who} use the group: grant Read on the group to User:${access.user ?? 'ANONYMOUS'} (or, if Kafka has no ACLs, it is still starting)`;
  if (/cluster authorization failed|CLUSTER_AUTHORIZATION_FAILED/i.test(all))
    return `Kafka's ACLs do not let ${who} do a cluster operation it needs: grant it on the cluster to User:${access.user ?? 'ANONYMOUS'}`;
  return undefined;
}
