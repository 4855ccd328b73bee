import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { data, historyApi, recsApi, type Recommended, type Strategy } from "../api/client";
import { flush, track } from "../api/feedback";
import { freshnessInterval, keys, useMe } from "../api/queries";
import { useSession } from "../api/session";
import { MovieCard, MovieRow } from "../components/MovieCard";
import { ErrorState, Loading } from "../components/Status";
import { usePageTitle } from "../components/usePageTitle";

const PAGE = 20;
/** The recommendations API pages up to offset 1000. */
const MAX_OFFSET = 1000;
const STRATEGIES: { value: Strategy; label: string }[] = [
  { value: "hybrid", label: "Best for you" },
  { value: "history", label: "From what you watched" },
  { value: "ratings", label: "From what you rated" },
  { value: "popular", label: "Popular" },
];
const BROWSE_GENRES = ["Drama", "Comedy", "Action", "Sci-Fi", "Animation", "Crime"];

export function HomePage() {
  usePageTitle(undefined);
  const session = useSession();
  return session ? <SignedInHome /> : <SignedOutHome />;
}

function SignedOutHome() {
  return (
    <>
      <section className="hero">
        <h1>Find your next movie</h1>
        <p>
          Tell movierec what you watched and how you liked it: it picks for you, and says why.
        </p>
        <p>
          <Link to="/signup" className="button-link">
            Sign up — it takes a minute
          </Link>{" "}
          or <Link to="/login">log in</Link>.
        </p>
      </section>
      <PopularRow title="Popular now" />
      {BROWSE_GENRES.map((genre) => (
        <PopularRow key={genre} title={`Popular in ${genre}`} genre={genre} />
      ))}
    </>
  );
}

function PopularRow({ title, genre }: { title: string; genre?: string }) {
  const popular = useQuery({
    queryKey: keys.popular(genre),
    queryFn: () =>
      data(
        recsApi.GET("/recommendations/popular", {
          params: { query: { limit: 12, ...(genre ? { genre: [genre as never] } : {}) } },
        }),
      ),
  });
  return (
    <MovieRow title={title}>
      {popular.isPending && <Loading />}
      {popular.isError && <ErrorState error={popular.error} retry={() => popular.refetch()} />}
      {popular.data?.items.map((m) => (
        <MovieCard key={m.movie_id} movie={{ ...m, id: m.movie_id }} />
      ))}
    </MovieRow>
  );
}

function SignedInHome() {
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const strategy = (params.get("strategy") as Strategy) || "hybrid";
  return (
    <>
      <h1 className="greeting">{me.data ? `Hello, ${me.data.first_name}` : "Hello"}</h1>
      <div className="strategy" role="group" aria-label="How to pick for you">
        {STRATEGIES.map((s) => (
          <button
            key={s.value}
            type="button"
            aria-pressed={strategy === s.value}
            onClick={() => setParams(s.value === "hybrid" ? {} : { strategy: s.value })}
          >
            {s.label}
          </button>
        ))}
      </div>
      <ForYou strategy={strategy} />
      <BecauseYouWatched />
    </>
  );
}

/** A recommended movie with the id of the page that served it (for feedback). */
export type Pick = Recommended & { recommendation_id?: string | null };

/** Pages of recommendations, each movie once, the next page asked as the list ends. */
export function uniqueItems(
  pages: { items: Recommended[]; recommendation_id?: string | null }[],
): Pick[] {
  const seen = new Set<number>();
  const out: Pick[] = [];
  for (const page of pages) {
    for (const item of page.items) {
      if (!seen.has(item.movie_id)) {
        seen.add(item.movie_id);
        out.push({ ...item, recommendation_id: page.recommendation_id });
      }
    }
  }
  return out;
}

function ForYou({ strategy }: { strategy: Strategy }) {
  const recs = useInfiniteQuery({
    queryKey: [...keys.forYou, strategy],
    queryFn: ({ pageParam }) =>
      data(
        recsApi.GET("/recommendations", {
          // The default feed names no strategy: a running experiment may choose it.
          params: {
            query: { ...(strategy === "hybrid" ? {} : { strategy }), limit: PAGE, offset: pageParam },
          },
        }),
      ),
    initialPageParam: 0,
    // Always asked again when the page opens, and polled right after a write.
    staleTime: 0,
    refetchInterval: () => freshnessInterval(),
    getNextPageParam: (last) =>
      last.items.length < last.limit || last.offset + last.limit > MAX_OFFSET
        ? undefined
        : last.offset + last.limit,
  });
  const end = useRef<HTMLDivElement>(null);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = recs;
  useEffect(() => {
    const target = end.current;
    if (!target || !hasNextPage || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver((entries) => {
      if (entries[0].isIntersecting && !isFetchingNextPage) void fetchNextPage();
    });
    observer.observe(target);
    return () => observer.disconnect();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  const items = recs.data ? uniqueItems(recs.data.pages) : [];
  const client = useQueryClient();
  const [hidden, setHidden] = useState<Pick | null>(null);
  // Dismissed here: kept out of the list at once and until undone (not only while the
  // request runs, or the pick would flash back until the list is asked again).
  const [gone, setGone] = useState<ReadonlySet<number>>(new Set());
  const without = (id: number) => setGone((ids) => new Set([...ids].filter((i) => i !== id)));
  const refresh = () => {
    void client.invalidateQueries({ queryKey: keys.forYou });
    void client.invalidateQueries({ queryKey: keys.dismissals });
  };
  const dismiss = useMutation({
    // Sent as feedback on the page that showed it: the dismissal and its measure at once.
    mutationFn: (movie: Pick): Promise<unknown> =>
      movie.recommendation_id
        ? data(
            recsApi.POST("/recommendations/feedback", {
              body: [
                {
                  recommendation_id: movie.recommendation_id,
                  movie_id: movie.movie_id,
                  kind: "dismiss",
                },
              ],
            }),
          )
        : data(
            recsApi.PUT("/recommendations/dismissals/{movie_id}", {
              params: { path: { movie_id: movie.movie_id } },
            }),
          ),
    onMutate: (movie) => setGone((ids) => new Set(ids).add(movie.movie_id)),
    onError: (_, movie) => without(movie.movie_id),
    onSuccess: (_, movie) => {
      setHidden(movie);
      refresh();
    },
  });
  const undo = useMutation({
    mutationFn: (movie: Pick) =>
      data(
        recsApi.DELETE("/recommendations/dismissals/{movie_id}", {
          params: { path: { movie_id: movie.movie_id } },
        }),
      ),
    onSuccess: (_, movie) => {
      setHidden(null);
      without(movie.movie_id);
      refresh();
    },
  });
  const shown = items.filter((m) => !gone.has(m.movie_id));
  return (
    <>
      <p className="dismissed" role="status">
        {hidden && (
          <>
            “{hidden.title}” will not be picked for you again.{" "}
            <button
              type="button"
              className="link-button"
              onClick={() => undo.mutate(hidden)}
              disabled={undo.isPending}
            >
              Undo
            </button>
          </>
        )}
      </p>
      {(dismiss.isError || undo.isError) && <ErrorState error={dismiss.error ?? undo.error} />}
      <MovieRow title="For you" grid>
        {recs.isPending && <Loading label="Picking movies for you…" />}
        {recs.isError && <ErrorState error={recs.error} retry={() => recs.refetch()} />}
        {shown.map((m) => (
          <MovieCard
            key={m.movie_id}
            movie={{ ...m, id: m.movie_id }}
            reason={m.reason.text}
            onDismiss={() => dismiss.mutate(m)}
            onSeen={() => track(m.recommendation_id, m.movie_id, "impression")}
            onOpen={() => {
              track(m.recommendation_id, m.movie_id, "click");
              void flush();
            }}
          />
        ))}
        {recs.isSuccess && items.length === 0 && (
          <li className="empty">
            Nothing to pick from yet. <Link to="/search">Browse the catalog</Link> and rate a
            few movies.
          </li>
        )}
        <li className="more" aria-hidden={!hasNextPage}>
          <div ref={end} />
          {hasNextPage && (
            <button type="button" onClick={() => fetchNextPage()} disabled={isFetchingNextPage}>
              {isFetchingNextPage ? "Loading more…" : "More picks"}
            </button>
          )}
        </li>
      </MovieRow>
    </>
  );
}

function BecauseYouWatched() {
  const recent = useQuery({
    queryKey: [...keys.history, "recent"],
    queryFn: () => data(historyApi.GET("/history", { params: { query: { limit: 10 } } })),
  });
  const seen = new Set<number>();
  const movies = (recent.data?.items ?? []).filter(
    (w) => !seen.has(w.movie_id) && seen.add(w.movie_id),
  );
  return (
    <>
      {movies.slice(0, 2).map((w) => (
        <SimilarRow key={w.movie_id} movieId={w.movie_id} title={`Because you watched ${w.title ?? "a movie"}`} />
      ))}
    </>
  );
}

/** Movies similar to one; for a signed-in user without those they said they are not
 * interested in, each offering "Not interested" too. */
export function SimilarRow({ movieId, title }: { movieId: number; title: string }) {
  const session = useSession();
  const client = useQueryClient();
  const dismissed = useQuery({
    queryKey: keys.dismissals,
    queryFn: () =>
      data(recsApi.GET("/recommendations/dismissals", { params: { query: { limit: 100 } } })),
    enabled: session !== null,
  });
  const [gone, setGone] = useState<ReadonlySet<number>>(new Set());
  const dismiss = useMutation({
    mutationFn: (id: number) =>
      data(
        recsApi.PUT("/recommendations/dismissals/{movie_id}", {
          params: { path: { movie_id: id } },
        }),
      ),
    onMutate: (id) => setGone((ids) => new Set(ids).add(id)),
    onError: (_, id) => setGone((ids) => new Set([...ids].filter((i) => i !== id))),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: keys.dismissals });
      void client.invalidateQueries({ queryKey: keys.forYou });
    },
  });
  const hidden = new Set([...gone, ...(dismissed.data?.items ?? []).map((d) => d.movie_id)]);
  const similar = useQuery({
    queryKey: keys.similar(movieId),
    queryFn: () =>
      data(
        recsApi.GET("/recommendations/similar/{movie_id}", {
          params: { path: { movie_id: movieId }, query: { limit: 12 } },
        }),
      ),
  });
  if (similar.isSuccess && similar.data.items.length === 0) return null;
  return (
    <MovieRow title={title}>
      {similar.isPending && <Loading />}
      {similar.isError && <ErrorState error={similar.error} retry={() => similar.refetch()} />}
      {similar.data?.items
        .filter((m) => !hidden.has(m.movie_id))
        .map((m) => (
          <MovieCard
            key={m.movie_id}
            movie={{ ...m, id: m.movie_id }}
            reason={m.reason.text}
            onDismiss={session ? () => dismiss.mutate(m.movie_id) : undefined}
          />
        ))}
    </MovieRow>
  );
}
