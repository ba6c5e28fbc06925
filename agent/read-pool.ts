// Read buffers shared by all tailers: memory for reading is chunk × count, not chunk × files,
// so a node with a thousand busy files does not hold a thousand read buffers.

export class ReadPool {
  private readonly free: Buffer[] = [];
  private readonly waiting: ((b: Buffer) => void)[] = [];

  constructor(chunkBytes: number, count: number) {
    for (let i = 0; i < count; i++) this.free.push(Buffer.allocUnsafe(chunkBytes));
  }

  acquire(): Promise<Buffer> {
    const b = this.free.pop();
    return b ? Promise.resolve(b) : new Promise((resolve) => this.waiting.push(resolve));
  }

  release(b: Buffer): void {
    const next = this.waiting.shift();
    if (next) next(b);
    else this.free.push(b);
  }
}
