import AxeBuilder from "@axe-core/playwright";
import { type APIRequestContext, type Page, expect } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

/** Where the tests save their screenshots (README's come from here). */
export const SHOTS = process.env.MOVIEREC_SCREENSHOTS ?? "screenshots";

export async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}

export const PASSWORD = "e2e-Long-passw0rd-42";

export function uniqueEmail(kind: string): string {
  return `${kind}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@e2e.movierec.example`;
}

/** A new account made through the API, and its token pair. */
export async function newAccount(
  request: APIRequestContext,
  genres: string[] = ["Drama"],
): Promise<{ email: string; access: string; refresh: string }> {
  const email = uniqueEmail("a11y");
  const created = await request.post("/auth/register", {
    data: { email, first_name: "Ada", last_name: "Tester", password: PASSWORD, favorite_genres: genres },
  });
  expect(created.status()).toBe(201);
  return { email, ...(await tokens(request, email, PASSWORD)) };
}

export async function tokens(
  request: APIRequestContext,
  email: string,
  password: string,
): Promise<{ access: string; refresh: string }> {
  const login = await request.post("/auth/login", { form: { username: email, password } });
  expect(login.status(), await login.text()).toBe(200);
  const pair = await login.json();
  return { access: pair.access_token, refresh: pair.refresh_token };
}

/** Signed in before the app's first script runs (the session the app keeps). */
export async function signIn(page: Page, pair: { access: string; refresh: string }) {
  await page.addInitScript((value) => {
    if (!localStorage.getItem("movierec.session")) localStorage.setItem("movierec.session", value);
  }, JSON.stringify({ access: pair.access, refresh: pair.refresh }));
}

/** Serious and critical accessibility violations of the page as it is (WCAG 2.1 A/AA). */
export async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}
