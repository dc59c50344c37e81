// Runs async tasks one after another. The service worker handles messages concurrently,
// and read-modify-write of stored state must not interleave.

/** A function that runs each given task after the previous one has settled. */
export function serial() {
  let tail = Promise.resolve();
  return (task) => {
    const result = tail.then(task);
    tail = result.catch(() => {});
    return result;
  };
}
