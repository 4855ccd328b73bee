import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import { Link, useSearchParams } from "react-router";
import { data, ratingsApi } from "../api/client";
import { keys, useAfterWrite } from "../api/queries";
import { EntryList, useOffset } from "../components/EntryList";
import { StarText } from "../components/Stars";
import { usePageTitle } from "../components/usePageTitle";

const PAGE = 20;

export function RatingsPage() {
  usePageTitle("My ratings");
  const [params, setParams] = useSearchParams();
  const offset = useOffset();
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
  const title = (r: { movie_id: number; title?: string | null }) => r.title ?? `Movie ${r.movie_id}`;
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
      <EntryList
        entries={ratings}
        remove={remove}
        caption="Your ratings"
        columns={[{ label: "Movie" }, { label: "Your rating" }, { label: "Rated", className: "hide-narrow" }]}
        cells={(r) => [
          <Link to={`/movie/${r.movie_id}`}>{title(r)}</Link>,
          <StarText score={r.score} />,
          new Date(r.rated_at).toLocaleDateString(),
        ]}
        keyOf={(r) => r.movie_id}
        removeLabel={(r) => `Remove your rating of ${title(r)}`}
        empty={
          <>
            No ratings yet. Open a movie and click its stars. <Link to="/search">Browse</Link>
          </>
        }
        offset={offset}
        page={PAGE}
        pagerLabel="Rating pages"
      />
    </div>
  );
}
