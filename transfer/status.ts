// The transfer's status record (TransferStatus, common/status/transfer.ts) from what the member
// knows: its identity, the consumer's topics and assignment, and the progress so far. Pure, so
// the record a reader parses is tested against the one written (status.test.ts).

import type { TransferProgress, TransferStatus } from '../common/status/transfer.ts';

export function renderTransferStatus(input: {
  member: string;
  pid: number;
  groupId: string;
  startedAt: number;
  now: number;
  topics: string[];
  assigned: ReadonlyMap<string, number[]>;
  kafkaError: string | undefined;
  progress: TransferProgress;
}): TransferStatus {
  return {
    member: input.member,
    pid: input.pid,
    groupId: input.groupId,
    startedAt: new Date(input.startedAt).toISOString(),
    updatedAt: new Date(input.now).toISOString(),
    topics: input.topics,
    assignment: Object.fromEntries(input.assigned),
    paused: !input.progress.elasticsearch.up,
    kafka: { ...(input.kafkaError ? { lastError: input.kafkaError } : {}) },
    ...input.progress,
  };
}
