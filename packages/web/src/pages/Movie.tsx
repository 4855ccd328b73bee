import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import {
  ApiError,
  data,
  historyApi,
  moviesApi,
  ratingsApi,
  type RatingSummary,
} from "../api/client";
import { keys, useAfterWrite, useMe } from "../api/queries";
import { useSession } from "../api/session";
import { Artwork } from "../components/Artwork";
import { Stars } from "../components/Stars";
import { ErrorState, Loading } from "../components/Status";
import { usePageTitle } from "../components/usePageTitle";
import { SimilarRow } from "./Home";
import { NotFoundPage } from "./NotFound";

export function MoviePage() {
  const id = Number(useParams().id);
  const valid = Number.isInteger(id) && id >= 1 && id <= 2_147_483_647;
  const movie = useQuery({
    queryKey: keys.movie(id),
    queryFn: () => data(moviesApi.GET("/movies/{movie_id}", { params: { path: { movie_id: id } } })),
    enabled: valid,
  });
  usePageTitle(movie.data?.title);
  if (!valid || (movie.error instanceof ApiError && movie.error.status === 404)) {
    return <NotFoundPage what="movie" />;
  }
  if (movie.isPending) return <Loading />;
  if (movie.isError) return <ErrorState error={movie.error} retry={() => movie.refetch()} />;
  const m = movie.data;
  return (
    <>
      <article className="movie">
        <Artwork title={m.title} genres={m.genres} year={m.year} size="large" />
        <div className="movie-body">
          <h1>
            {m.title} {m.year && <span className="year">({m.year})</span>}
          </h1>
          <p className="movie-facts">
            {[
              m.genres.join(", "),
              m.runtime_minutes ? `${m.runtime_minutes} min` : null,
              m.imdb_rating ? `IMDb ${m.imdb_rating.toFixed(1)}` : null,
              `${m.watch_count.toLocaleString()} ${m.watch_count === 1 ? "watch" : "watches"}`,
            ]
              .filter(Boolean)
              .join(" · ")}
          </p>
          {m.description && <p className="description">{m.description}</p>}
          <People label="Directed by" names={m.directors} param="director" />
          <People label="Starring" names={m.actors} param="actor" />
          <YourActions movieId={id} />
          <EditLink movieId={id} />
          <Community movieId={id} />
        </div>
      </article>
      <SimilarRow movieId={id} title="Similar movies" />
    </>
  );
}

function EditLink({ movieId }: { movieId: number }) {
  const me = useMe();
  if (me.data?.role !== "admin") return null;
  return (
    <p>
      <Link to={`/admin/movies/${movieId}/edit`}>Edit movie</Link>
    </p>
  );
}

function People({ label, names, param }: { label: string; names: string[]; param: string }) {
  if (!names.length) return null;
  return (
    <p className="people">
      <span className="people-label">{label} </span>
      {names.map((name, i) => (
        <span key={name}>
          {i > 0 && ", "}
          <Link to={`/search?${param}=${encodeURIComponent(name)}`}>{name}</Link>
        </span>
      ))}
    </p>
  );
}

function YourActions({ movieId }: { movieId: number }) {
  const session = useSession();
  const client = useQueryClient();
  const afterWrite = useAfterWrite();
  const rating = useQuery({
    queryKey: keys.myRating(movieId),
    queryFn: () =>
      data(ratingsApi.GET("/ratings", { params: { query: { movie_id: movieId, limit: 1 } } })),
    enabled: !!session,
  });
  const watches = useQuery({
    queryKey: keys.myWatches(movieId),
    queryFn: () =>
      data(historyApi.GET("/history", { params: { query: { movie_id: movieId, limit: 1 } } })),
    enabled: !!session,
  });
  const rate = useMutation({
    mutationFn: (score: number) =>
      data(ratingsApi.PUT("/ratings/{movie_id}", { params: { path: { movie_id: movieId } }, body: { score } })),
    onSuccess: (saved) => {
      // The answer is the rating as stored: shown at once, then the list is asked again.
      client.setQueryData(keys.myRating(movieId), { items: [saved], total: 1, limit: 1, offset: 0 });
      afterWrite(movieId);
    },
  });
  const unrate = useMutation({
    mutationFn: () =>
      data(ratingsApi.DELETE("/ratings/{movie_id}", { params: { path: { movie_id: movieId } } })),
    onSuccess: () => {
      client.setQueryData(keys.myRating(movieId), { items: [], total: 0, limit: 1, offset: 0 });
      afterWrite(movieId);
    },
  });
  const watch = useMutation({
    mutationFn: () =>
      data(
        historyApi.POST("/history", {
          params: { header: { "Idempotency-Key": crypto.randomUUID() } },
          body: { movie_id: movieId },
        }),
      ),
    onSuccess: () => afterWrite(movieId),
  });

  if (!session) {
    return (
      <p className="actions">
        <Link to={`/login?next=${encodeURIComponent(`/movie/${movieId}`)}`}>Log in</Link> to
        rate this movie and mark it as watched.
      </p>
    );
  }
  // Shown at once: the score just chosen, before the list is asked again.
  const score = rate.isPending
    ? rate.variables
    : unrate.isPending
      ? null
      : (rating.data?.items[0]?.score ?? null);
  const watched = watches.data?.total ?? 0;
  const last = watches.data?.items[0]?.watched_at;
  const error = rate.error ?? unrate.error ?? watch.error;
  return (
    <section className="actions" aria-label="Your watch and rating">
      <div className="watch">
        <button type="button" onClick={() => watch.mutate()} disabled={watch.isPending}>
          {watch.isPending ? "Saving…" : watched ? "Watched again" : "Mark as watched"}
        </button>
        <span role="status" className="watch-status">
          {watches.isPending
            ? ""
            : watched
              ? `You watched it ${watched === 1 ? "once" : `${watched} times`}, last on ${new Date(last!).toLocaleDateString()}.`
              : "Not in your history yet."}
        </span>
      </div>
      <div className="rate">
        <Stars value={score} onChange={(s) => rate.mutate(s)} disabled={rating.isPending} />
        {score !== null && (
          <p>
            Your rating: <strong>{score}</strong> of 5.{" "}
            <button
              type="button"
              className="link-button"
              onClick={() => unrate.mutate()}
              disabled={unrate.isPending}
            >
              Remove my rating
            </button>
          </p>
        )}
      </div>
      {error && <ErrorState error={error} />}
    </section>
  );
}

/** The histogram's scores in order (the service sends "0.5" … "5.0"). */
export function histogramRows(summary: RatingSummary): { score: string; count: number; share: number }[] {
  const entries = Object.entries(summary.histogram as Record<string, number>).sort(
    ([a], [b]) => Number(b) - Number(a),
  );
  const most = Math.max(1, ...entries.map(([, n]) => n));
  return entries.map(([score, count]) => ({ score, count, share: count / most }));
}

function Community({ movieId }: { movieId: number }) {
  const summary = useQuery({
    queryKey: keys.summary(movieId),
    queryFn: () =>
      data(
        ratingsApi.GET("/ratings/movies/{movie_id}/summary", {
          params: { path: { movie_id: movieId } },
        }),
      ),
  });
  if (summary.isPending) return <Loading label="Loading ratings…" />;
  if (summary.isError) return <ErrorState error={summary.error} retry={() => summary.refetch()} />;
  const s = summary.data;
  return (
    <section className="community" aria-labelledby="community-h">
      <h2 id="community-h">Community rating</h2>
      {s.count === 0 ? (
        <p>No ratings yet. Be the first.</p>
      ) : (
        <>
          <p>
            <strong className="average">{s.average?.toFixed(2)}</strong> of 5 from{" "}
            {s.count.toLocaleString()} {s.count === 1 ? "rating" : "ratings"}
          </p>
          <table className="histogram">
            <caption className="visually-hidden">How many people gave each score</caption>
            <thead className="visually-hidden">
              <tr>
                <th scope="col">Score</th>
                <th scope="col">Ratings</th>
              </tr>
            </thead>
            <tbody>
              {histogramRows(s).map((row) => (
                <tr key={row.score}>
                  <th scope="row">{row.score}</th>
                  <td>
                    <span className="bar" style={{ width: `${Math.round(row.share * 100)}%` }} />
                    <span className="bar-count">{row.count}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
