// Groups what an async iterable has ready into arrays: everything that arrives before the event loop turns
// (a backlog read from disk comes in one go) is one batch of at most `max`, and what arrives alone (a quiet
// container's next line) is a batch of one at once. No timer: "ready" is "resolved before setImmediate".

const NOT_YET = Symbol('not yet');

export async function* readyBatches<T>(source: AsyncIterable<T>, max: number): AsyncGenerator<T[]> {
  const iterator = source[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<T>> | undefined;
  let done = false;
  try {
    while (!done) {
      const first = await (pending ?? iterator.next());
      pending = undefined;
      if (first.done) return;
      const batch = [first.value];
      const turn = new Promise<typeof NOT_YET>((resolve) => setImmediate(() => resolve(NOT_YET)));
      while (batch.length < max) {
        pending = iterator.next();
        const next = await Promise.race([pending, turn]);
        if (next === NOT_YET) break;
        pending = undefined;
        if (next.done) {
          done = true;
          break;
        }
        batch.push(next.value);
      }
      yield batch;
    }
  } finally {
    if (!done) {
      // The consumer stopped early: let the source clean up once its pending read settles.
      void (pending ?? Promise.resolve()).then(() => iterator.return?.(), () => undefined);
    }
  }
}
