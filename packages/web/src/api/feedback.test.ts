import { afterEach, describe, expect, it, vi } from "vitest";
import { flush, resetFeedback, setFeedbackSender, track } from "./feedback";

describe("feedback", () => {
  afterEach(() => {
    resetFeedback();
    vi.useRealTimers();
  });

  it("sends each (page, movie, kind) once, batched a second later", async () => {
    vi.useFakeTimers();
    const batches: unknown[][] = [];
    setFeedbackSender(async (items) => void batches.push(items));
    track("rid-1", 1, "impression");
    track("rid-1", 1, "impression");
    track("rid-1", 2, "impression");
    track("rid-1", 1, "click");
    track(null, 3, "impression"); // not a recommendation: nothing to say
    expect(batches).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(batches).toEqual([
      [
        { recommendation_id: "rid-1", movie_id: 1, kind: "impression" },
        { recommendation_id: "rid-1", movie_id: 2, kind: "impression" },
        { recommendation_id: "rid-1", movie_id: 1, kind: "click" },
      ],
    ]);
    track("rid-1", 2, "impression"); // sent before
    await flush();
    expect(batches).toHaveLength(1);
  });

  it("sends at most 100 items a request, and a failed batch is dropped", async () => {
    const sizes: number[] = [];
    setFeedbackSender(async (items) => {
      sizes.push(items.length);
      if (sizes.length === 1) throw new Error("offline");
    });
    for (let i = 1; i <= 150; i++) track("rid-2", i, "impression");
    await flush();
    expect(sizes).toEqual([100, 50]);
  });
});
