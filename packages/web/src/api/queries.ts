// Query keys and the effects of writes: which cached answers a write makes stale.

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { authApi, data, type User } from "./client";
import { useSession } from "./session";

export const keys = {
  me: ["me"] as const,
  movie: (id: number) => ["movie", id] as const,
  summary: (id: number) => ["summary", id] as const,
  similar: (id: number) => ["similar", id] as const,
  myRating: (id: number) => ["mine", "rating", id] as const,
  myWatches: (id: number) => ["mine", "watches", id] as const,
  history: ["mine", "history"] as const,
  ratings: ["mine", "ratings"] as const,
  forYou: ["recs"] as const,
  dismissals: ["mine", "dismissals"] as const,
  popular: (genre?: string) => ["popular", genre ?? ""] as const,
  search: (params: Record<string, unknown>) => ["search", params] as const,
};

/** The signed-in user's profile (null when signed out). */
export function useMe() {
  const session = useSession();
  return useQuery({
    queryKey: [...keys.me, session?.refresh ?? ""],
    queryFn: async (): Promise<User | null> =>
      session ? await data(authApi.GET("/auth/me")) : null,
    staleTime: 60_000,
  });
}

let lastWrite = 0;

/**
 * How often "For you" asks again: every second for a few seconds after the person's last
 * watch or rating (the change arrives through the event pipeline), else not at all.
 */
/** Something the recommendations follow changed (a sign-up, a profile, a watch, a rating). */
export function markWrite(): void {
  lastWrite = Date.now();
}

export function freshnessInterval(now = Date.now()): number | false {
  return now - lastWrite < 6000 ? 1000 : false;
}

/**
 * After a watch or a rating: the user's own lists are stale at once; recommendations
 * follow through the event pipeline within about a second, so they are asked again right
 * away and once more shortly after (the second answer carries the change when the first
 * came too early).
 */
export function useAfterWrite() {
  const client = useQueryClient();
  return (movieId?: number) => {
    markWrite();
    void client.invalidateQueries({ queryKey: ["mine"] });
    if (movieId !== undefined) {
      void client.invalidateQueries({ queryKey: keys.summary(movieId) });
      void client.invalidateQueries({ queryKey: keys.movie(movieId) });
    }
    for (const delay of [400, 1500]) {
      setTimeout(() => void client.invalidateQueries({ queryKey: keys.forYou }), delay);
    }
  };
}
