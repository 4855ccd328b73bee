// The signed-in session: the token pair, kept in localStorage so a reload stays signed in.
// Components read it through useSession(); the API client refreshes it (rotation).

import { useSyncExternalStore } from "react";

export type Tokens = { access: string; refresh: string };
/** Why the session ended: the person signed out, or it could not be refreshed. */
export type EndReason = "signed_out" | "expired";

const KEY = "movierec.session";
const listeners = new Set<() => void>();
const endListeners = new Set<(reason: EndReason) => void>();
let current: Tokens | null = read();
let ended: EndReason | null = null;

function read(): Tokens | null {
  try {
    const value = JSON.parse(localStorage.getItem(KEY) ?? "null");
    return value && typeof value.access === "string" && typeof value.refresh === "string"
      ? value
      : null;
  } catch {
    return null;
  }
}

export function getTokens(): Tokens | null {
  return current;
}

export function setTokens(tokens: Tokens): void {
  current = tokens;
  ended = null;
  localStorage.setItem(KEY, JSON.stringify(tokens));
  listeners.forEach((f) => f());
}

export function endSession(reason: EndReason): void {
  const had = current !== null;
  current = null;
  if (had) ended = reason;
  localStorage.removeItem(KEY);
  listeners.forEach((f) => f());
  if (had) endListeners.forEach((f) => f(reason));
}

/** Why the last session ended, while signed out (null: signed in, or never was). */
export function endReason(): EndReason | null {
  return ended;
}

/** Called when a session ends (e.g. to send the person to the login page). */
export function onSessionEnd(listener: (reason: EndReason) => void): () => void {
  endListeners.add(listener);
  return () => endListeners.delete(listener);
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  // Another tab signed in or out.
  const storage = (e: StorageEvent) => {
    if (e.key === KEY) {
      current = read();
      listener();
    }
  };
  window.addEventListener("storage", storage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("storage", storage);
  };
}

/** The token pair, or null when signed out; re-renders on every change. */
export function useSession(): Tokens | null {
  return useSyncExternalStore(subscribe, getTokens, getTokens);
}

/** The user id and role in the access token (the services verify it; this only reads). */
export function claims(tokens: Tokens | null): { sub: string; role: string } | null {
  if (!tokens) return null;
  try {
    const part = tokens.access.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const body = JSON.parse(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), "=")));
    return { sub: String(body.sub), role: String(body.role ?? "user") };
  } catch {
    return null;
  }
}
