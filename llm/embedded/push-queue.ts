/**
 * A callback-fed async iterable: a producer `push`es values and then `end`s or `fail`s; one consumer
 * iterates. Bridges llama.cpp's `onTextChunk` callback to the provider's async generator.
 */
export class PushQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiter: (() => void) | null = null;
  private finished = false;
  private error: { e: unknown } | null = null;

  push(item: T): void {
    this.items.push(item);
    this.wake();
  }

  end(): void {
    this.finished = true;
    this.wake();
  }

  fail(e: unknown): void {
    this.error = { e };
    this.finished = true;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.items.length) {
        yield this.items.shift() as T;
        continue;
      }
      if (this.error) throw this.error.e;
      if (this.finished) return;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }
}
