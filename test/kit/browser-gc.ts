/**
 * A full garbage collection in every page and worker of a Chromium browser, through DevTools, so
 * that a memory reading after it holds no garbage: after loading a model, its 569 MB download
 * buffer is dropped but stays allocated until that worker's next major GC — which may come in
 * the middle of a later measurement and shrink it by the model's size. Neither waiting nor
 * `Memory.simulatePressureNotification` collected it in a SharedWorker here; this does.
 *
 * A SharedWorker is no page, and playwright-core offers no session onto it; so this attaches to
 * each target in DevTools' non-flattened mode (messages wrapped in `Target.sendMessageToTarget`).
 */
import type { BrowserContext, CDPSession } from 'playwright-core';

const COLLECTED_TYPES = new Set(['page', 'worker', 'shared_worker', 'service_worker']);

type LooseSession = { send(method: string, params?: object): Promise<unknown> };

/** Runs `HeapProfiler.collectGarbage` in every page and worker of `context`'s browser; returns how many collected. */
export async function collectGarbageEverywhere(context: BrowserContext): Promise<number> {
  const browser = context.browser();
  if (!browser) throw new Error('collectGarbageEverywhere needs a context with a browser');
  const cdp: CDPSession = await browser.newBrowserCDPSession();
  const send = (method: string, params?: object) => (cdp as unknown as LooseSession).send(method, params);
  const answered = new Map<string, () => void>();
  cdp.on('Target.receivedMessageFromTarget' as never, ((event: { sessionId: string; message: string }) => {
    if ((JSON.parse(event.message) as { id?: number }).id === 1) answered.get(event.sessionId)?.();
  }) as never);
  try {
    const { targetInfos } = (await send('Target.getTargets')) as { targetInfos: Array<{ targetId: string; type: string }> };
    let collected = 0;
    for (const target of targetInfos.filter((info) => COLLECTED_TYPES.has(info.type))) {
      try {
        const { sessionId } = (await send('Target.attachToTarget', { targetId: target.targetId, flatten: false })) as { sessionId: string };
        const done = new Promise<boolean>((resolve) => answered.set(sessionId, () => resolve(true)));
        await send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }) });
        // A worker busy in the runtime answers when it is free; don't wait on it for ever.
        if (await Promise.race([done, new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 15_000))])) collected += 1;
        await send('Target.detachFromTarget', { sessionId }).catch(() => undefined);
      } catch {
        // the target went away meanwhile
      }
    }
    return collected;
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}
