// The typed clients of the five services (types generated from their OpenAPI documents),
// on one origin: the paths are the services' own (/auth, /movies, …).
//
// Every request carries the access token. A 401 refreshes the token pair once (one refresh
// at a time, rotation: the old refresh token is spent) and sends the request again; when
// the refresh fails the session ends and the app sends the person to log in.

import createClient from "openapi-fetch";
import type { components as AuthComponents, paths as AuthPaths } from "./generated/auth";
import type { paths as HistoryPaths } from "./generated/history";
import type { components as MovieComponents, paths as MoviePaths } from "./generated/movies";
import type { components as RatingComponents, paths as RatingPaths } from "./generated/ratings";
import type { components as RecsComponents, paths as RecsPaths } from "./generated/recs";
import { endSession, getTokens, setTokens } from "./session";

export type Problem = AuthComponents["schemas"]["Problem"];
export type User = AuthComponents["schemas"]["UserOut"];
export type MovieSummary = MovieComponents["schemas"]["MovieSummary"];
export type MovieDetail = MovieComponents["schemas"]["MovieDetail"];
export type Genre = NonNullable<MovieComponents["schemas"]["MovieCreate"]["genres"]>[number];
export type RatingSummary = RatingComponents["schemas"]["RatingSummaryOut"];
export type Recommended = RecsComponents["schemas"]["RecommendedMovie"];
export type Strategy = RecsComponents["schemas"]["Strategy"];

/** An answer other than 2xx, with the service's problem document when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem?: Problem,
  ) {
    super(problem?.detail || problem?.title || `The request failed (${status}).`);
  }
}

let refreshing: Promise<boolean> | null = null;

async function refresh(spent: string): Promise<boolean> {
  const tokens = getTokens();
  if (!tokens) return false;
  if (tokens.refresh !== spent) return true; // another request refreshed meanwhile
  try {
    const response = await fetch(`${origin()}/auth/refresh`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: tokens.refresh }),
    });
    if (!response.ok) {
      endSession("expired");
      return false;
    }
    const pair = await response.json();
    setTokens({ access: pair.access_token, refresh: pair.refresh_token });
    return true;
  } catch {
    return false; // offline: keep the session, the request fails as it is
  }
}

export async function authFetch(request: Request): Promise<Response> {
  const again = request.clone();
  const tokens = getTokens();
  if (tokens) request.headers.set("authorization", `Bearer ${tokens.access}`);
  const response = await fetch(request);
  if (response.status !== 401 || !tokens) return response;
  refreshing ??= refresh(tokens.refresh).finally(() => {
    refreshing = null;
  });
  if (!(await refreshing)) return response;
  again.headers.set("authorization", `Bearer ${getTokens()!.access}`);
  const second = await fetch(again);
  if (second.status === 401) endSession("expired");
  return second;
}

function origin(): string {
  return window.location.origin;
}

const options = { baseUrl: origin(), fetch: authFetch };
export const authApi = createClient<AuthPaths>(options);
export const moviesApi = createClient<MoviePaths>(options);
export const historyApi = createClient<HistoryPaths>(options);
export const ratingsApi = createClient<RatingPaths>(options);
export const recsApi = createClient<RecsPaths>(options);

/** The data of an answer, or an ApiError (for TanStack Query's query functions). */
export async function data<T>(
  pending: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await pending;
  if (!response.ok) throw new ApiError(response.status, error as Problem | undefined);
  return data as T;
}

/** Log in with email and password (the token endpoint takes a form). */
export async function logIn(email: string, password: string): Promise<void> {
  const response = await fetch(`${origin()}/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username: email, password }),
  });
  if (!response.ok) {
    const problem = await response.json().catch(() => undefined);
    throw new ApiError(response.status, problem);
  }
  const pair = await response.json();
  setTokens({ access: pair.access_token, refresh: pair.refresh_token });
}

/** End the session here and revoke its refresh token at the service. */
export async function logOut(): Promise<void> {
  const tokens = getTokens();
  endSession("signed_out");
  if (tokens) {
    await fetch(`${origin()}/auth/logout`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: tokens.refresh }),
    }).catch(() => undefined);
  }
}

/** The field errors of a 422, by field name, for forms. */
export function fieldErrors(error: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (error instanceof ApiError) {
    for (const e of error.problem?.errors ?? []) out[e.field.split(".").pop()!] = e.message;
  }
  return out;
}
