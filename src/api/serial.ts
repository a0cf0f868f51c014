/**
 * One at a time: each call starts once the one before has settled, whatever its outcome. For what one process
 * must not do twice at once: open the embedded database (its lock is the process's), or refresh the local copy of
 * the table files (two refreshes would write the same temporary file).
 */
export function serialized(): <T>(work: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>): Promise<T> => {
    const result = tail.then(work, work);
    tail = result.catch(() => undefined);
    return result;
  };
}
