import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { useNavigate, useParams } from "react-router";
import { ApiError, data, fieldErrors, moviesApi, type MovieDetail } from "../../api/client";
import { keys } from "../../api/queries";
import { Field } from "../../components/Field";
import { ErrorState, Loading } from "../../components/Status";
import { usePageTitle } from "../../components/usePageTitle";
import { GenrePicker } from "../Signup";

type Form = {
  title: string;
  year: string;
  genres: string[];
  description: string;
  runtime_minutes: string;
  imdb_id: string;
  actors: string;
  directors: string;
  tags: string;
};

const EMPTY: Form = {
  title: "",
  year: "",
  genres: [],
  description: "",
  runtime_minutes: "",
  imdb_id: "",
  actors: "",
  directors: "",
  tags: "",
};

function fromMovie(m: MovieDetail): Form {
  return {
    title: m.title,
    year: m.year ? String(m.year) : "",
    genres: m.genres,
    description: m.description ?? "",
    runtime_minutes: m.runtime_minutes ? String(m.runtime_minutes) : "",
    imdb_id: m.imdb_id ?? "",
    actors: m.actors.join(", "),
    directors: m.directors.join(", "),
    tags: m.tags.join(", "),
  };
}

const list = (text: string) =>
  text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** The request body: empty fields are "not given" (null), lists from comma-separated text. */
export function toBody(form: Form) {
  return {
    title: form.title.trim(),
    year: form.year ? Number(form.year) : null,
    genres: form.genres as never,
    description: form.description.trim() || null,
    runtime_minutes: form.runtime_minutes ? Number(form.runtime_minutes) : null,
    imdb_id: form.imdb_id.trim() || null,
    actors: list(form.actors),
    directors: list(form.directors),
    tags: list(form.tags),
  };
}

export function MovieFormPage() {
  const params = useParams();
  const id = params.id ? Number(params.id) : null;
  const navigate = useNavigate();
  const client = useQueryClient();
  usePageTitle(id ? "Edit movie" : "Add a movie");
  const existing = useQuery({
    queryKey: keys.movie(id ?? 0),
    queryFn: () =>
      data(moviesApi.GET("/movies/{movie_id}", { params: { path: { movie_id: id! } } })),
    enabled: id !== null,
  });
  const [form, setForm] = useState<Form>(EMPTY);
  useEffect(() => {
    if (existing.data) setForm(fromMovie(existing.data));
  }, [existing.data]);

  const save = useMutation({
    mutationFn: () =>
      id
        ? data(moviesApi.PATCH("/movies/{movie_id}", { params: { path: { movie_id: id } }, body: toBody(form) }))
        : data(moviesApi.POST("/movies", { body: toBody(form) })),
    onSuccess: (movie) => {
      void client.invalidateQueries({ queryKey: keys.movie(movie.id) });
      void client.invalidateQueries({ queryKey: ["search"] });
      navigate(`/movie/${movie.id}`);
    },
  });
  const remove = useMutation({
    mutationFn: () =>
      data(moviesApi.DELETE("/movies/{movie_id}", { params: { path: { movie_id: id! } } })),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["search"] });
      navigate("/admin");
    },
  });
  const errors = fieldErrors(save.error);
  if (id !== null && existing.isPending) return <Loading />;
  if (existing.isError) return <ErrorState error={existing.error} retry={() => existing.refetch()} />;

  const text = (name: keyof Form, label: string, props: React.InputHTMLAttributes<HTMLInputElement> = {}) => (
    <Field
      id={`movie-${name}`}
      label={label}
      value={form[name] as string}
      onChange={(e) => setForm({ ...form, [name]: e.target.value })}
      error={errors[name]}
      {...props}
    />
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <div className="form-page">
      <h1>{id ? `Edit “${existing.data?.title}”` : "Add a movie"}</h1>
      <form onSubmit={submit}>
        {text("title", "Title", { required: true, maxLength: 300 })}
        {text("year", "Year", { type: "number", min: 1870, max: 2100 })}
        <GenrePicker value={form.genres} onChange={(genres) => setForm({ ...form, genres })} legend="Genres" />
        <label htmlFor="movie-description">Description</label>
        <textarea
          id="movie-description"
          rows={4}
          maxLength={5000}
          value={form.description}
          onChange={(e) => setForm({ ...form, description: e.target.value })}
        />
        {text("runtime_minutes", "Runtime (minutes)", { type: "number", min: 1, max: 1000 })}
        {text("imdb_id", "IMDb id (tt followed by digits)", { pattern: "tt\\d{7,10}" })}
        {text("directors", "Directors (comma-separated)")}
        {text("actors", "Actors (comma-separated)")}
        {text("tags", "Tags (comma-separated)")}
        {save.isError && (
          <p className="form-error" role="alert">
            {save.error instanceof ApiError && save.error.status === 422
              ? "Some fields need another look."
              : save.error.message}
          </p>
        )}
        <button type="submit" disabled={save.isPending}>
          {save.isPending ? "Saving…" : id ? "Save changes" : "Add movie"}
        </button>
      </form>
      {id !== null && (
        <section className="danger-zone" aria-labelledby="delete-movie-h">
          <h2 id="delete-movie-h">Delete this movie</h2>
          <p>It leaves the catalog; people's watches and ratings of it are kept apart.</p>
          <button
            type="button"
            className="danger"
            disabled={remove.isPending}
            onClick={() => {
              if (window.confirm(`Delete “${existing.data?.title}” from the catalog?`)) remove.mutate();
            }}
          >
            Delete movie
          </button>
          {remove.isError && <ErrorState error={remove.error} />}
        </section>
      )}
    </div>
  );
}
