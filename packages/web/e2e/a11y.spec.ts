// Every page, scanned with axe-core: no serious or critical WCAG 2.1 A/AA violation.
import { expect, test } from "@playwright/test";
import { newAccount, seriousViolations, shot, signIn, tokens } from "./helpers";

const ADMIN_EMAIL = process.env.MOVIEREC_E2E_ADMIN_EMAIL ?? "";
const ADMIN_PASSWORD = process.env.MOVIEREC_E2E_ADMIN_PASSWORD ?? "";

async function scan(page: import("@playwright/test").Page, path: string, ready: string) {
  await page.goto(path);
  await expect(page.getByRole("heading", { level: 1 }).first()).toContainText(ready);
  await page.waitForLoadState("networkidle");
  expect(await seriousViolations(page), path).toEqual([]);
}

test("signed out: home, search, movie, log in, sign up, not found", async ({ page }) => {
  await scan(page, "/", "Find your next movie");
  await scan(page, "/search?q=godfather&genre=Crime", "godfather");
  await scan(page, "/movie/858", "The Godfather");
  await scan(page, "/login", "Log in");
  await scan(page, "/signup", "Sign up");
  await scan(page, "/no/such/page", "No such page");
});

test("signed in: home, movie, history, ratings, account; at phone width too", async ({
  page,
  request,
}) => {
  const account = await newAccount(request, ["Drama", "Crime"]);
  const auth = { Authorization: `Bearer ${account.access}` };
  expect((await request.put("/ratings/858", { data: { score: 5 }, headers: auth })).status()).toBe(201);
  expect((await request.post("/history", { data: { movie_id: 858 }, headers: auth })).status()).toBe(201);
  await signIn(page, account);
  await scan(page, "/", "Hello");
  await scan(page, "/movie/858", "The Godfather");
  await scan(page, "/me/history", "My history");
  await scan(page, "/me/ratings", "My ratings");
  await scan(page, "/account", "Account");
  await page.setViewportSize({ width: 390, height: 844 });
  await scan(page, "/", "Hello");
  await shot(page, "home-phone");
  await scan(page, "/movie/858", "The Godfather");
  await shot(page, "movie-phone");
});

test("operator pages", async ({ page, request }) => {
  expect(ADMIN_EMAIL, "MOVIEREC_E2E_ADMIN_EMAIL and _PASSWORD name an admin account").not.toBe("");
  await signIn(page, await tokens(request, ADMIN_EMAIL, ADMIN_PASSWORD));
  await scan(page, "/admin", "Operations");
  await scan(page, "/admin/movies/new", "Add a movie");
  await scan(page, "/admin/movies/858/edit", "Edit");
  await scan(page, "/admin/imports", "Catalog import");
  await scan(page, "/admin/experiments", "Experiments");
});

test("the keyboard reaches the main content first and every control in order", async ({ page }) => {
  await page.goto("/");
  // Once the app has drawn the page (a Tab before that lands nowhere).
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
  await page.keyboard.press("Enter");
  await page.keyboard.press("Tab");
  const focused = await page.evaluate(() => document.activeElement?.closest("main") !== null);
  expect(focused).toBe(true);
});
