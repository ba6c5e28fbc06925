// One-batch look-ahead per partition. kafkajs fetches a broker's next batches only after
// `eachBatch` returned for every batch of the previous fetch, so indexing inside `eachBatch`
// makes Kafka fetching and Elasticsearch indexing take turns. Instead `eachBatch` hands the
// batch to its partition's lane and returns as soon as the lane's previous batch is done:
// kafkajs fetches the next batch while this one is indexed. Memory stays bounded (per
// partition one batch indexing, one waiting), and the order within a partition is kept.
//
// Commits stay the lane's job, after the acknowledgement. A rebalance bumps the generation:
// lanes of the old generation stop at their next check, and kafkajs, which rebuilds its
// offsets from the committed ones after every join, re-reads what they had not finished.

export class Lanes {
  private readonly running = new Map<string, Promise<void>>();
  private generation = 0;

  /** Called on every rebalance: work handed before it is abandoned. */
  rebalanced(): void {
    this.generation++;
  }

  /**
   * Waits for the partition's previous batch, then starts `work` in the background.
   * `work` gets a probe that turns true once a rebalance happened after it was handed; it
   * must handle its own errors (the lane only keeps the order).
   */
  async hand(key: string, work: (superseded: () => boolean) => Promise<void>): Promise<void> {
    await this.running.get(key);
    const gen = this.generation;
    const run = work(() => gen !== this.generation);
    this.running.set(key, run);
    void run.finally(() => {
      if (this.running.get(key) === run) this.running.delete(key);
    });
  }

  /** Resolves once every lane's work has ended (after the consumer stopped). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }
}
