import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useSearchParams } from "react-router";
import { data, moviesApi } from "../api/client";
import { keys } from "../api/queries";
import { Pager, useOffset } from "../components/EntryList";
import { MovieCard, MovieRow } from "../components/MovieCard";
import { ErrorState, Loading } from "../components/Status";
import { usePageTitle } from "../components/usePageTitle";
import { GenrePicker } from "./Signup";

const PAGE = 24;
const SORTS = [
  ["", "Best match (with a text) or most popular"],
  ["popularity", "Most popular"],
  ["rating", "Highest rated"],
  ["year", "Newest"],
  ["title", "Title A–Z"],
] as const;

type Filters = {
  q: string;
  genre: string[];
  year_from: string;
  year_to: string;
  actor: string;
  director: string;
  sort: string;
};

function readFilters(params: URLSearchParams): Filters {
  return {
    q: params.get("q") ?? "",
    genre: params.getAll("genre"),
    year_from: params.get("year_from") ?? "",
    year_to: params.get("year_to") ?? "",
    actor: params.get("actor") ?? "",
    director: params.get("director") ?? "",
    sort: params.get("sort") ?? "",
  };
}

export function SearchPage() {
  const [params, setParams] = useSearchParams();
  const applied = readFilters(params);
  const offset = useOffset();
  const [form, setForm] = useState<Filters>(applied);
  usePageTitle(applied.q ? `“${applied.q}”` : "Browse");

  const query = {
    ...(applied.q.trim() && { q: applied.q.trim() }),
    ...(applied.genre.length && { genre: applied.genre as never }),
    ...(applied.year_from && { year_from: Number(applied.year_from) }),
    ...(applied.year_to && { year_to: Number(applied.year_to) }),
    ...(applied.actor.trim() && { actor: applied.actor.trim() }),
    ...(applied.director.trim() && { director: applied.director.trim() }),
    ...(applied.sort && { sort: applied.sort as never }),
    limit: PAGE,
    offset,
  };
  const results = useQuery({
    queryKey: keys.search(query),
    queryFn: () => data(moviesApi.GET("/movies", { params: { query } })),
    placeholderData: keepPreviousData,
  });

  const apply = (e?: FormEvent) => {
    e?.preventDefault();
    const next = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) {
      if (Array.isArray(v)) v.forEach((g) => next.append(k, g));
      else if (v.trim()) next.set(k, v.trim());
    }
    setParams(next);
  };
  const set = (field: keyof Filters) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) =>
    setForm({ ...form, [field]: e.target.value });

  const total = results.data?.total ?? 0;
  return (
    <div className="search-page">
      <h1>{applied.q ? `Movies matching “${applied.q}”` : "Browse the catalog"}</h1>
      <form className="filters" onSubmit={apply} role="search" aria-label="Catalog filters">
        <div className="filter-fields">
          <div>
            <label htmlFor="f-q">Title, description or people</label>
            <input id="f-q" type="search" value={form.q} onChange={set("q")} maxLength={200} />
          </div>
          <div>
            <label htmlFor="f-actor">Actor</label>
            <input id="f-actor" value={form.actor} onChange={set("actor")} maxLength={200} />
          </div>
          <div>
            <label htmlFor="f-director">Director</label>
            <input id="f-director" value={form.director} onChange={set("director")} maxLength={200} />
          </div>
          <div>
            <label htmlFor="f-from">From year</label>
            <input id="f-from" type="number" min={1870} max={2100} value={form.year_from} onChange={set("year_from")} />
          </div>
          <div>
            <label htmlFor="f-to">To year</label>
            <input id="f-to" type="number" min={1870} max={2100} value={form.year_to} onChange={set("year_to")} />
          </div>
          <div>
            <label htmlFor="f-sort">Sort</label>
            <select id="f-sort" value={form.sort} onChange={set("sort")}>
              {SORTS.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </div>
        </div>
        <GenrePicker value={form.genre} onChange={(genre) => setForm({ ...form, genre })} legend="Genres" />
        <div className="filter-actions">
          <button type="submit">Search</button>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setForm(readFilters(new URLSearchParams()));
              setParams({});
            }}
          >
            Clear
          </button>
        </div>
      </form>
      {results.isPending && <Loading label="Searching…" />}
      {results.isError && <ErrorState error={results.error} retry={() => results.refetch()} />}
      {results.data && (
        <>
          <p role="status" className="result-count">
            {total === 0
              ? "No movie matches. Try fewer filters or another spelling."
              : `${total.toLocaleString()} ${total === 1 ? "movie" : "movies"}, ${offset + 1}–${Math.min(offset + PAGE, total)} shown`}
          </p>
          <MovieRow title="Results" grid>
            {results.data.items.map((m) => (
              <MovieCard key={m.id} movie={m} />
            ))}
          </MovieRow>
          <Pager offset={offset} page={PAGE} total={total} label="Result pages" />
        </>
      )}
    </div>
  );
}
