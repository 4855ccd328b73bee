import { type FormEvent, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { useQueryClient } from "@tanstack/react-query";
import { ApiError, logIn } from "../api/client";
import { Field } from "../components/Field";
import { usePageTitle } from "../components/usePageTitle";

/** Only paths of this app: never send someone to another site after logging in. */
export function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function LoginPage() {
  usePageTitle("Log in");
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await logIn(email.trim(), password);
      client.clear();
      navigate(safeNext(params.get("next")), { replace: true });
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 401
          ? "That email and password do not match an account."
          : err instanceof ApiError && err.status === 429
            ? "Too many attempts. Wait a minute and try again."
            : "Could not log in. Try again.",
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="form-page">
      <h1>Log in</h1>
      {params.get("expired") && (
        <p className="notice" role="status">
          Your session ended. Log in again to go on.
        </p>
      )}
      <form onSubmit={submit}>
        <Field
          id="login-email"
          label="Email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <Field
          id="login-password"
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Logging in…" : "Log in"}
        </button>
      </form>
      <p>
        New here? <Link to={`/signup?next=${encodeURIComponent(params.get("next") ?? "/")}`}>Sign up</Link>
      </p>
    </div>
  );
}
