import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import { Link, useSearchParams } from "react-router";
import { data, historyApi } from "../api/client";
import { keys, useAfterWrite } from "../api/queries";
import { ErrorState, Loading } from "../components/Status";
import { usePageTitle } from "../components/usePageTitle";
import { Pager } from "./Ratings";

const PAGE = 20;

export function HistoryPage() {
  usePageTitle("My history");
  const [params] = useSearchParams();
  const offset = Math.max(0, Number(params.get("offset")) || 0);
  const afterWrite = useAfterWrite();
  const history = useQuery({
    queryKey: [...keys.history, offset],
    queryFn: () => data(historyApi.GET("/history", { params: { query: { limit: PAGE, offset } } })),
    placeholderData: keepPreviousData,
  });
  const remove = useMutation({
    mutationFn: (entryId: string) =>
      data(historyApi.DELETE("/history/{entry_id}", { params: { path: { entry_id: entryId } } })),
    onSuccess: () => afterWrite(),
  });
  return (
    <div className="list-page">
      <h1>My history</h1>
      {history.isPending && <Loading />}
      {history.isError && <ErrorState error={history.error} retry={() => history.refetch()} />}
      {remove.isError && <ErrorState error={remove.error} />}
      {history.data && history.data.total === 0 && (
        <p>
          Nothing here yet. Open a movie and choose “Mark as watched”. <Link to="/search">Browse</Link>
        </p>
      )}
      {history.data && history.data.total > 0 && (
        <>
          <table className="entries">
            <caption className="visually-hidden">Movies you watched, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Movie</th>
                <th scope="col">Watched</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {history.data.items.map((w) => (
                <tr key={w.id}>
                  <td>
                    <Link to={`/movie/${w.movie_id}`}>{w.title ?? `Movie ${w.movie_id}`}</Link>
                  </td>
                  <td>{new Date(w.watched_at).toLocaleString()}</td>
                  <td>
                    <button
                      type="button"
                      className="secondary"
                      onClick={() => remove.mutate(w.id)}
                      disabled={remove.isPending && remove.variables === w.id}
                      aria-label={`Remove ${w.title ?? `movie ${w.movie_id}`} watched ${new Date(w.watched_at).toLocaleString()}`}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager offset={offset} page={PAGE} total={history.data.total} label="History pages" />
        </>
      )}
    </div>
  );
}
