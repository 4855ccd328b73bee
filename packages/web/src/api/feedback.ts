// What people do with recommendations, sent to POST /recommendations/feedback: an
// impression when a card has been half on screen, a click when it is opened. Batched (one
// request a second at most, ≤ 100 items), each (page, movie, kind) sent once; best effort:
// a failed batch is dropped, never retried in a loop.
import { recsApi } from "./client";

export type FeedbackKind = "impression" | "click" | "dismiss";
type Item = { recommendation_id: string; movie_id: number; kind: FeedbackKind };

const MAX_BATCH = 100;
const FLUSH_MS = 1000;
const sent = new Set<string>();
let pending: Item[] = [];
let timer: ReturnType<typeof setTimeout> | null = null;

type Sender = (items: Item[]) => Promise<unknown>;
let send: Sender = (items) => recsApi.POST("/recommendations/feedback", { body: items });

/** Replaces the sender (tests). */
export function setFeedbackSender(sender: Sender): void {
  send = sender;
}

/** Queue one item; a repeat of one already queued or sent is ignored. */
export function track(recommendationId: string | null | undefined, movieId: number, kind: FeedbackKind): void {
  if (!recommendationId) return;
  const key = `${recommendationId}|${movieId}|${kind}`;
  if (sent.has(key)) return;
  sent.add(key);
  pending.push({ recommendation_id: recommendationId, movie_id: movieId, kind });
  if (pending.length >= MAX_BATCH) void flush();
  else if (timer === null) timer = setTimeout(() => void flush(), FLUSH_MS);
}

/** Send what is queued now. */
export async function flush(): Promise<void> {
  if (timer !== null) {
    clearTimeout(timer);
    timer = null;
  }
  while (pending.length) {
    const batch = pending.slice(0, MAX_BATCH);
    pending = pending.slice(MAX_BATCH);
    try {
      await send(batch);
    } catch {
      // Feedback is a measurement, not the user's data: a lost batch is not retried.
    }
  }
}

/** Forget what was sent (a new session: tests, log out). */
export function resetFeedback(): void {
  sent.clear();
  pending = [];
  if (timer !== null) clearTimeout(timer);
  timer = null;
}

if (typeof document !== "undefined") {
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") void flush();
  });
}
