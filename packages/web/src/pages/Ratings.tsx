import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import { Link, useSearchParams } from "react-router";
import { data, ratingsApi } from "../api/client";
import { keys, useAfterWrite } from "../api/queries";
import { StarText } from "../components/Stars";
import { ErrorState, Loading } from "../components/Status";
import { usePageTitle } from "../components/usePageTitle";

const PAGE = 20;

export function Pager({
  offset,
  page,
  total,
  label,
}: {
  offset: number;
  page: number;
  total: number;
  label: string;
}) {
  const [params, setParams] = useSearchParams();
  const go = (to: number) => {
    const next = new URLSearchParams(params);
    next.set("offset", String(to));
    setParams(next);
  };
  return (
    <nav className="pager" aria-label={label}>
      <button type="button" disabled={offset === 0} onClick={() => go(Math.max(0, offset - page))}>
        Previous
      </button>
      <span>
        {offset + 1}–{Math.min(offset + page, total)} of {total}
      </span>
      <button type="button" disabled={offset + page >= total} onClick={() => go(offset + page)}>
        Next
      </button>
    </nav>
  );
}

export function RatingsPage() {
  usePageTitle("My ratings");
  const [params, setParams] = useSearchParams();
  const offset = Math.max(0, Number(params.get("offset")) || 0);
  const sort = params.get("sort") === "score" ? "score" : "date";
  const afterWrite = useAfterWrite();
  const ratings = useQuery({
    queryKey: [...keys.ratings, sort, offset],
    queryFn: () =>
      data(ratingsApi.GET("/ratings", { params: { query: { sort, limit: PAGE, offset } } })),
    placeholderData: keepPreviousData,
  });
  const remove = useMutation({
    mutationFn: (movieId: number) =>
      data(ratingsApi.DELETE("/ratings/{movie_id}", { params: { path: { movie_id: movieId } } })),
    onSuccess: (_, movieId) => afterWrite(movieId),
  });
  return (
    <div className="list-page">
      <h1>My ratings</h1>
      <label htmlFor="rating-sort">Order</label>{" "}
      <select
        id="rating-sort"
        value={sort}
        onChange={(e) => setParams(e.target.value === "score" ? { sort: "score" } : {})}
      >
        <option value="date">Newest first</option>
        <option value="score">Highest first</option>
      </select>
      {ratings.isPending && <Loading />}
      {ratings.isError && <ErrorState error={ratings.error} retry={() => ratings.refetch()} />}
      {remove.isError && <ErrorState error={remove.error} />}
      {ratings.data && ratings.data.total === 0 && (
        <p>
          No ratings yet. Open a movie and click its stars. <Link to="/search">Browse</Link>
        </p>
      )}
      {ratings.data && ratings.data.total > 0 && (
        <>
          <table className="entries">
            <caption className="visually-hidden">Your ratings</caption>
            <thead>
              <tr>
                <th scope="col">Movie</th>
                <th scope="col">Your rating</th>
                <th scope="col" className="hide-narrow">Rated</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {ratings.data.items.map((r) => (
                <tr key={r.movie_id}>
                  <td>
                    <Link to={`/movie/${r.movie_id}`}>{r.title ?? `Movie ${r.movie_id}`}</Link>
                  </td>
                  <td>
                    <StarText score={r.score} />
                  </td>
                  <td className="hide-narrow">{new Date(r.rated_at).toLocaleDateString()}</td>
                  <td>
                    <button
                      type="button"
                      className="secondary"
                      onClick={() => remove.mutate(r.movie_id)}
                      disabled={remove.isPending && remove.variables === r.movie_id}
                      aria-label={`Remove your rating of ${r.title ?? `movie ${r.movie_id}`}`}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager offset={offset} page={PAGE} total={ratings.data.total} label="Rating pages" />
        </>
      )}
    </div>
  );
}
