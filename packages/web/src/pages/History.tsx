import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { data, historyApi } from "../api/client";
import { keys, useAfterWrite } from "../api/queries";
import { EntryList, useOffset } from "../components/EntryList";
import { usePageTitle } from "../components/usePageTitle";

const PAGE = 20;

export function HistoryPage() {
  usePageTitle("My history");
  const offset = useOffset();
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
  const title = (w: { movie_id: number; title?: string | null }) => w.title ?? `Movie ${w.movie_id}`;
  return (
    <div className="list-page">
      <h1>My history</h1>
      <EntryList
        entries={history}
        remove={remove}
        caption="Movies you watched, newest first"
        columns={[{ label: "Movie" }, { label: "Watched" }]}
        cells={(w) => [
          <Link to={`/movie/${w.movie_id}`}>{title(w)}</Link>,
          new Date(w.watched_at).toLocaleString(),
        ]}
        keyOf={(w) => w.id}
        removeLabel={(w) => `Remove ${title(w)} watched ${new Date(w.watched_at).toLocaleString()}`}
        empty={
          <>
            Nothing here yet. Open a movie and choose “Mark as watched”.{" "}
            <Link to="/search">Browse</Link>
          </>
        }
        offset={offset}
        page={PAGE}
        pagerLabel="History pages"
      />
    </div>
  );
}
