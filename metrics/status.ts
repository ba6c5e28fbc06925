// MetricsStatus, the record under /lcs/v1/status/metrics/<node> (DESIGN.md "etcd keyspace"):
// what this instance samples, whether InfluxDB takes its points, what waits and what was lost.

export interface MetricsStatus {
  node: string;
  pid: number;
  startedAt: string;
  intervalMs: number;
  inputs: string[];
  writer: { description: string; up: boolean; lastError?: string };
  lastSampleAt?: string;
  samples: number;
  pointsWritten: number;
  buffered: { lines: number; bytes: number; batches: number; memoryBatches: number };
  dropped: { bufferFull: number; rejected: number };
  /** The last error of each input that failed in the last sample. */
  inputErrors: Record<string, string>;
  pipelineLeader: boolean;
}
