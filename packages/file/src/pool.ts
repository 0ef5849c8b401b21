/**
 * Runs `fn(0..n-1)` with at most `limit` calls in flight. When `failFast`, stops starting
 * new calls after a failure; rejects with the first failure once the calls in flight end.
 */
export async function pool(
  n: number,
  limit: number,
  fn: (i: number) => Promise<void>,
  failFast = true,
): Promise<void> {
  let next = 0;
  let failed: { error: unknown } | undefined;
  const worker = async () => {
    while (next < n && !(failFast && failed)) {
      const i = next++;
      try {
        await fn(i);
      } catch (error) {
        failed ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, limit) }, worker));
  if (failed) throw failed.error;
}
