// The operator's journey: add a movie, find it; the platform's status.
import { expect, test } from "@playwright/test";
import { shot } from "./helpers";

const ADMIN_EMAIL = process.env.MOVIEREC_E2E_ADMIN_EMAIL ?? "";
const ADMIN_PASSWORD = process.env.MOVIEREC_E2E_ADMIN_PASSWORD ?? "";

test("an operator adds a movie and finds it by search", async ({ page }) => {
  expect(ADMIN_EMAIL, "MOVIEREC_E2E_ADMIN_EMAIL and _PASSWORD name an admin account").not.toBe("");
  const title = `Zyzzyx Lighthouse ${Date.now()}`;
  await page.goto("/login?next=/admin");
  await page.getByLabel("Email").fill(ADMIN_EMAIL);
  await page.getByLabel("Password").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("heading", { name: "Operations" })).toBeVisible();
  const services = page.getByRole("table");
  for (const name of ["auth", "movies", "history", "ratings", "recs"]) {
    await expect(services.getByRole("row", { name: new RegExp(`^${name}\\b`) })).toContainText("ready");
  }
  await expect(page.getByText(/Version \d{8}T/)).toBeVisible();
  await shot(page, "admin-status");

  await page.getByRole("link", { name: "Add a movie" }).click();
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Year").fill("2024");
  await page.getByRole("checkbox", { name: "Mystery" }).check({ force: true });
  await page.getByLabel("Directors (comma-separated)").fill("Ida Lupino-Test");
  await page.getByLabel("Actors (comma-separated)").fill("Person One, Person Two");
  await page.getByLabel("Description").fill("A keeper finds a map nobody drew.");
  await page.getByRole("button", { name: "Add movie" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(title);
  await expect(page.getByRole("link", { name: "Ida Lupino-Test" })).toBeVisible();

  await page.getByRole("searchbox", { name: "Search movies" }).fill(title);
  await page.getByRole("searchbox", { name: "Search movies" }).press("Enter");
  await expect(page.getByRole("link", { name: title })).toBeVisible();

  // Edit it, then delete it: the search no longer finds it.
  await page.getByRole("link", { name: title }).click();
  await page.getByRole("link", { name: "Edit movie" }).click();
  await page.getByLabel("Year").fill("2023");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("(2023)");
  await page.getByRole("link", { name: "Edit movie" }).click();
  page.once("dialog", (dialog) => void dialog.accept());
  await page.getByRole("button", { name: "Delete movie" }).click();
  await expect(page.getByRole("heading", { name: "Operations" })).toBeVisible();
  await page.goto(`/search?q=${encodeURIComponent(title)}`);
  await expect(page.getByRole("link", { name: title })).toHaveCount(0);
});

test("an operator creates, starts and stops an experiment and reads its results", async ({ page }) => {
  const name = `diversity trial ${Date.now()}`;
  await page.goto("/login?next=/admin");
  await page.getByLabel("Email").fill(ADMIN_EMAIL);
  await page.getByLabel("Password").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("link", { name: "Experiments" }).click();
  await expect(page.getByRole("heading", { name: "Experiments", level: 1 })).toBeVisible();
  await page.getByLabel("Name", { exact: true }).fill(name);
  // Two variants of the hybrid (the other specs' For you reasons stay true if it kept running).
  await page.locator("#variant-0-strategy").selectOption("hybrid");
  await page.locator("#variant-1-diversity").fill("0.4");
  await page.getByRole("button", { name: "Create experiment" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Experiment ${name}`);
  await expect(page.getByRole("status").filter({ hasText: "Status:" })).toContainText("draft");
  await page.getByRole("button", { name: "Start experiment" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Status:" })).toContainText("running");
  const table = page.getByRole("table");
  await expect(table.getByRole("row", { name: /^control/ })).toBeVisible();
  await expect(table.getByRole("row", { name: /^treatment/ })).toBeVisible();
  await expect(page.getByText(/keep it running|verdict reached/)).toBeVisible();
  await shot(page, "admin-experiment");
  await page.getByRole("button", { name: "Stop experiment" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Status:" })).toContainText("stopped");
  await page.getByRole("link", { name: "All experiments" }).click();
  await expect(page.getByRole("row", { name: new RegExp(name) })).toContainText("stopped");
});
