/** Polls a server that prints nothing when it listens (workerd) until it answers, 10 s at most. */
export async function untilAnswering(base: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (
      await fetch(`${base}/`).then(
        () => true,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
