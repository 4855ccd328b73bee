import { type FormEvent, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { authApi, data, fieldErrors, logIn, moviesApi, ApiError } from "../api/client";
import { markWrite } from "../api/queries";
import { Field } from "../components/Field";
import { usePageTitle } from "../components/usePageTitle";
import { safeNext } from "./Login";

export function GenrePicker({
  value,
  onChange,
  legend,
}: {
  value: string[];
  onChange: (genres: string[]) => void;
  legend: string;
}) {
  const genres = useQuery({
    queryKey: ["genres"],
    queryFn: () => data(moviesApi.GET("/movies/genres")),
    staleTime: 10 * 60_000,
  });
  const names = (genres.data ?? []).map((g) => g.name).filter((n) => n !== "IMAX");
  return (
    <fieldset className="genre-picker">
      <legend>{legend}</legend>
      {genres.isPending && <span role="status">Loading genres…</span>}
      {genres.isError && <span role="alert">Could not load the genres.</span>}
      <div className="chips">
        {names.map((name) => (
          <label key={name} className={`chip ${value.includes(name) ? "on" : ""}`}>
            <input
              type="checkbox"
              className="visually-hidden"
              checked={value.includes(name)}
              onChange={(e) =>
                onChange(e.target.checked ? [...value, name] : value.filter((g) => g !== name))
              }
            />
            {name}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

export function SignupPage() {
  usePageTitle("Sign up");
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [form, setForm] = useState({ email: "", first_name: "", last_name: "", password: "" });
  const [genres, setGenres] = useState<string[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (field: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) =>
    setForm({ ...form, [field]: e.target.value });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setErrors({});
    try {
      await data(
        authApi.POST("/auth/register", {
          // The generated type lists the genre names; the picker offers exactly those.
          body: { ...form, email: form.email.trim(), favorite_genres: genres as never },
        }),
      );
      await logIn(form.email.trim(), form.password);
      markWrite(); // the favorite genres reach the recommendations in a moment
      client.clear();
      navigate(safeNext(params.get("next")), { replace: true });
    } catch (err) {
      setErrors(fieldErrors(err));
      setError(
        err instanceof ApiError && err.status === 409
          ? "An account with this email exists. Log in instead."
          : err instanceof ApiError && err.status === 422
            ? "Some fields need another look."
            : "Could not sign up. Try again.",
      );
    } finally {
      setBusy(false);
    }
  };

  const field = (name: keyof typeof form, label: string, type: string, auto: string) => (
    <Field
      id={`signup-${name}`}
      label={label}
      type={type}
      autoComplete={auto}
      required
      value={form[name]}
      onChange={set(name)}
      error={errors[name]}
    />
  );

  return (
    <div className="form-page">
      <h1>Sign up</h1>
      <form onSubmit={submit}>
        {field("email", "Email", "email", "email")}
        {field("first_name", "First name", "text", "given-name")}
        {field("last_name", "Last name", "text", "family-name")}
        {field("password", "Password (at least 8 characters)", "password", "new-password")}
        <GenrePicker
          value={genres}
          onChange={setGenres}
          legend="Favorite genres (your first picks come from these)"
        />
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Creating your account…" : "Create account"}
        </button>
      </form>
      <p>
        Have an account? <Link to="/login">Log in</Link>
      </p>
    </div>
  );
}
